"""Hugging Face model cards: the `model-index` in a README's YAML front matter.

Start URLs are `https://huggingface.co/<repo>/raw/main/README.md` for each of
the registry's `models`. Two flavours are read, field names case-insensitive:
the HF spec (`model-index: [{name, results: [{task, dataset, metrics: [{type,
name, value}], source}]}]`) and Papers with Code's (`Models: [{Name, Metadata,
Results: [{Task, Dataset, Metrics: {"Top 1 Accuracy": "82.21%"}}]}]`, under
`model-index` or at the top level, or in a `<!-- Type: model-index ... -->`
comment as in timm's docs). Only results whose task is in the registry's
`tasks` and whose dataset type or name is in `datasets` count. Values: a string
with `%` is a percent, a number up to 1.0 a fraction (see ingest/units.py).
YAML is read with `yaml.safe_load` only. A card without front matter or
model-index, or with malformed YAML, fails with a one-line reason.
"""
from __future__ import annotations

import re
from urllib.parse import urlsplit

import yaml

from crawler.pages.base import Page, PageError, SourcePages
from ingest.items import ResultItem
from ingest.normalize import params_absolute, parse_number
from ingest.units import percent_from_fraction_or_percent
from rules.settings import setting_from_label

FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\r?\n(.*?)^---[ \t]*$", re.S | re.M)
PWC_COMMENT = re.compile(r"<!--\s*(Type:\s*model-index\s*\n.*?)-->", re.S | re.I)
ARXIV_IN_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5})")
GENERIC_METRICS = {"accuracy", "acc"}   # a more specific name or type wins over these


def card_url(repo: str) -> str:
    return f"https://huggingface.co/{repo.strip('/')}/raw/main/README.md"


def repo_of(url: str) -> str:
    """`https://huggingface.co/<org>/<name>/raw/main/README.md` → "<org>/<name>"."""
    path = urlsplit(url).path.strip("/")
    return re.split(r"/(?:raw|resolve|blob)/", path, maxsplit=1)[0]


def norm(text) -> str:
    """"Top-1 Accuracy" / "top_1_accuracy" → "top 1 accuracy"."""
    return re.sub(r"[\s_-]+", " ", str(text or "").strip().lower())


def ci(mapping, key: str):
    """`mapping[key]` with the key matched case-insensitively (PWC flavour), else None."""
    if not isinstance(mapping, dict):
        return None
    for k, v in mapping.items():
        if str(k).lower() == key:
            return v
    return None


def model_index_of(text: str):
    """(the model-index value, None) or (None, one-line reason it is missing)."""
    match = FRONT_MATTER.match(text)
    front = None
    if match:
        try:
            front = yaml.safe_load(match.group(1))
        except yaml.YAMLError as exc:
            return None, f"malformed YAML front matter: {yaml_reason(exc)}"
        if front is not None and not isinstance(front, dict):
            return None, f"YAML front matter is a {type(front).__name__}, not a mapping"
        found = ci(front, "model-index")
        if found is not None:
            return found, None
        models = ci(front, "models")   # PWC flavour at the top level (not a Space's list of names)
        if isinstance(models, list) and models and all(isinstance(m, dict) for m in models):
            return {"models": models}, None
    comment = PWC_COMMENT.search(text)
    if comment:
        try:
            return yaml.safe_load(comment.group(1)), None
        except yaml.YAMLError as exc:
            return None, f"malformed model-index comment: {yaml_reason(exc)}"
    return None, "no model-index in the YAML front matter" if match else "no YAML front matter"


def yaml_reason(exc: yaml.YAMLError) -> str:
    """One line: the problem and the line it was found on (within the YAML block)."""
    problem = getattr(exc, "problem", None) or str(exc)
    mark = getattr(exc, "problem_mark", None)
    where = f" (line {mark.line + 1})" if mark is not None else ""
    return " ".join(str(problem).split())[:200] + where


def metrics_of(result) -> list[tuple[str, str, object, object]] | None:
    """(type, name, value, evidence part) for each metric: HF's list or PWC's name → value map."""
    metrics = ci(result, "metrics")
    if isinstance(metrics, list):
        return [(ci(m, "type"), ci(m, "name"), ci(m, "value"), m) for m in metrics if isinstance(m, dict)]
    if isinstance(metrics, dict):
        return [("", name, value, {name: value}) for name, value in metrics.items()]
    return None


def label(value, *keys) -> str:
    """A task/dataset given as a string, or the first of `keys` in its mapping."""
    if isinstance(value, dict):
        return next((str(ci(value, k)) for k in keys if ci(value, k)), "")
    return str(value or "")


class HfPages(SourcePages):
    rules = ("settings",)
    code = SourcePages.code + ("ingest.units",)

    def __init__(self, source: str, conf: dict):
        super().__init__(source, conf)
        self.produced = 0
        self.empty: list[str] = []

    def start_urls(self, urls=None, since=None, until=None) -> list[str]:
        return list(urls or [card_url(m) for m in self.conf.get("models", [])])

    def parse(self, page: Page):
        """A model card → one result per ImageNet image-classification metric in its model-index."""
        index, error = model_index_of(page.text())
        if error:
            raise PageError(error)
        models = ci(index, "models") if isinstance(index, dict) else index
        if not isinstance(models, list):
            raise PageError(f"model-index is a {type(models).__name__}, not a list of models")
        repo = repo_of(page.url)
        before = self.produced
        for number, model in enumerate(models):
            results = ci(model, "results")
            if not isinstance(results, list):
                yield self.reject(page, dump(model), "model-index entry without a results list",
                                  f"model-index[{number}]")
                continue
            name = str(ci(model, "name") or repo).strip()
            for r_number, result in enumerate(results):
                where = f"model-index[{number}].results[{r_number}]"
                yield from self.record(page, dump(result), where,
                                       self.result_items(page, result, model, name, repo, where))
        if self.produced == before:
            self.empty.append(repo)

    def result_items(self, page: Page, result, model, name, repo, where_in_card: str):
        evidence = dump(result)
        if not isinstance(result, dict):
            yield self.reject(page, evidence, f"result is a {type(result).__name__}, not a mapping")
            return
        task = norm(label(ci(result, "task"), "type", "name")).replace(" ", "-")
        if task not in self.conf["tasks"]:
            return
        dataset_field = ci(result, "dataset")
        candidates = [label(dataset_field, "type"), label(dataset_field, "name")]
        dataset = next((self.conf["datasets"][c.strip().lower()] for c in candidates
                        if c.strip().lower() in self.conf["datasets"]), None)
        if dataset is None:
            return
        metrics = metrics_of(result)
        if metrics is None:
            yield self.reject(page, evidence, "result without metrics")
            return
        setting = self.conf["tasks"][task] or setting_from_label(name)
        params, resolution = sizes(ci(model, "metadata"))
        paper = paper_from_source(ci(result, "source"))
        where = "|".join(str(ci(dataset_field, k) or "") for k in ("config", "split")) \
            if isinstance(dataset_field, dict) else "|"
        for mtype, mname, raw, part in metrics:
            metric = self.metric_for(mtype, mname)
            if metric is None:
                yield self.reject(page, evidence, f"unknown metric {mname or mtype!r}")
                continue
            try:
                value = percent_from_fraction_or_percent(raw)
            except ValueError as exc:
                yield self.reject(page, evidence, f"{mname or mtype}: {exc}")
                continue
            key = f"hf|{repo}|{name}|{task}|{candidates[0] or candidates[1]}|{where}|{mtype or ''}|{mname or ''}"
            if not self.first_time(key):
                yield self.reject(page, evidence, f"{mname or mtype} listed twice for {name}")
                continue
            self.produced += 1
            yield ResultItem(
                source=self.source, key=key, model=name, dataset=dataset, metric=metric,
                value=value, raw_value=str(raw), source_url=page.url, fetched_at=page.fetched_at,
                evidence=evidence, kind="reported", setting=setting, params=params,
                resolution=resolution, paper=paper, locator=f"{where_in_card}, {mname or mtype}",
            )

    def metric_for(self, mtype, mname) -> str | None:
        table = {norm(k): v for k, v in self.conf["metrics"].items()}
        keys = [k for k in (norm(mname), norm(mtype)) if k in table]
        specific = [k for k in keys if k not in GENERIC_METRICS]
        return table[(specific or keys)[0]] if keys else None

    def finish(self) -> list[str]:
        if not self.produced and self.empty and not self.errors:
            self.errors.append("no ImageNet image-classification results in the model-index of "
                               + ", ".join(self.empty[:5]) + (" …" if len(self.empty) > 5 else ""))
        return self.errors


def dump(block) -> str:
    return yaml.safe_dump(block, sort_keys=False, allow_unicode=True, default_flow_style=False).strip()


def sizes(metadata) -> tuple[int | None, int | None]:
    """(params, resolution) from a PWC-flavour model's Metadata; unreadable → None."""
    try:
        params = params_absolute(ci(metadata, "parameters"))
    except ValueError:
        params = None
    try:
        size = ci(metadata, "image size")
        resolution = int(parse_number(size)) if size is not None else None
    except ValueError:
        resolution = None
    return params, resolution


def paper_from_source(source) -> dict | None:
    """A result's `source` is a paper only when it links to arXiv."""
    url = str(ci(source, "url") or "")
    match = ARXIV_IN_URL.search(url)
    if not match:
        return None
    return {"id": match.group(1), "arxiv_id": match.group(1), "title": None,
            "url": f"https://arxiv.org/abs/{match.group(1)}", "published": None}
