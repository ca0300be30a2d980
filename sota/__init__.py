"""sota-tracker: a sourced, living record of state-of-the-art ML results."""
__version__ = "0.1.0"
