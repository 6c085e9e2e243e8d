"""The CI files `statusgen init` writes: when each job runs, what it runs, what it installs.

The forges' own condition languages are evaluated here by two small
translators (GitHub's ``if:`` expressions, GitLab's ``rules: if:``), so a
test can say "on a pull request, only this job runs" rather than compare
the condition's text; they cover only the operators the scaffold uses and
refuse anything else.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

import statusgen
from statusgen import cli
from statusgen.cache import CACHE_DIR
from statusgen.scaffold import init_site

REPO = Path(__file__).resolve().parent.parent
SECRETS = (
    "X_API_KEY",
    "X_API_SECRET",
    "X_ACCESS_TOKEN",
    "X_ACCESS_TOKEN_SECRET",
    # the other targets (issue 14), as the scaffold site.toml's examples name them
    "MASTODON_ACCESS_TOKEN",
    "BLUESKY_APP_PASSWORD",
    "TEAMS_IT_WEBHOOK_URL",
    "SMTP_USERNAME",
    "SMTP_PASSWORD",
)
DEFAULT = "trunk"
"""The default branch in these tests: not `main`, so nothing may assume it is."""

INSTALL = "pip install -r requirements.txt"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("ci") / "site"
    init_site(root, timezone="UTC", now=datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    return root


def _yaml(site: Path, rel: str) -> dict[str, Any]:
    return yaml.safe_load((site / rel).read_text(encoding="utf-8"))


# --- GitHub Actions -----------------------------------------------------------------

_GH_TOKEN_RE = re.compile(
    r"\s*(?:(?P<str>'(?:[^']|'')*')|(?P<op>==|!=|&&|\|\||!|\(|\)|,)|(?P<name>[A-Za-z_][\w.-]*))"
)


def github_if(expression: str, context: dict[str, Any]) -> bool:
    """Evaluate a GitHub Actions ``if:`` of contexts, strings, ==, !=, &&, ||, ! and format()."""
    python: list[str] = []
    position = 0
    expression = expression.strip()
    while position < len(expression):
        match = _GH_TOKEN_RE.match(expression, position)
        assert match and match.end() > position, f"unsupported at {expression[position:]!r}"
        position = match.end()
        if match["str"] is not None:
            python.append(repr(match["str"][1:-1].replace("''", "'")))
        elif match["op"] is not None:
            python.append({"&&": " and ", "||": " or ", "!": " not "}.get(match["op"], match["op"]))
        elif expression[position:].lstrip().startswith("("):
            assert match["name"] == "format", f"unsupported function {match['name']}"
            python.append("fmt")
        else:
            python.append(f"ctx({match['name']!r})")

    def ctx(name: str) -> Any:
        value: Any = context
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def fmt(template: str, *args: Any) -> str:  # GitHub's format() writes null as ''
        return template.format(*("" if a is None else a for a in args))

    return bool(eval("".join(python), {"__builtins__": {}}, {"ctx": ctx, "fmt": fmt}))


def github_event(name: str, ref: str) -> dict[str, Any]:
    """The `github` context of an event; a schedule event's payload has no repository."""
    event = {} if name == "schedule" else {"repository": {"default_branch": DEFAULT}}
    return {"github": {"event_name": name, "ref": ref, "event": event}}


GITHUB_RUNS = [
    ("pull_request", "refs/pull/7/merge", {"check"}),
    ("push", f"refs/heads/{DEFAULT}", {"deploy"}),
    ("push", "refs/heads/main", set()),  # a branch named main that is not the default
    ("push", "refs/heads/fix-typo", set()),
    ("schedule", f"refs/heads/{DEFAULT}", {"deploy"}),
    ("workflow_dispatch", f"refs/heads/{DEFAULT}", {"deploy"}),
    ("workflow_dispatch", "refs/heads/fix-typo", set()),
]


def test_github_workflow_triggers(site):
    workflow = _yaml(site, ".github/workflows/status.yml")
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers["push"] == {"branches": ["**"]}  # every branch; the jobs' `if:` choose
    assert "pull_request" in triggers
    assert triggers["schedule"] == [{"cron": "*/15 * * * *"}]
    assert "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "read"}


@pytest.mark.parametrize(("event", "ref", "jobs"), GITHUB_RUNS)
def test_github_jobs_run_by_event_and_only_deploy_from_the_default_branch(site, event, ref, jobs):
    workflow = _yaml(site, ".github/workflows/status.yml")
    context = github_event(event, ref)
    running = {name for name, job in workflow["jobs"].items() if github_if(job["if"], context)}
    assert running == jobs


def test_github_pull_request_job_checks_and_builds_only_without_secrets(site):
    job = _yaml(site, ".github/workflows/status.yml")["jobs"]["check"]
    steps = job["steps"]
    runs = [s["run"] for s in steps if "run" in s]
    assert runs == [INSTALL, "statusgen check", "statusgen build"]
    uses = [s["uses"].split("@")[0] for s in steps if "uses" in s]
    assert uses == ["actions/checkout", "actions/setup-python", "actions/cache/restore"]
    assert all(s.get("if") is None for s in steps)
    text = json.dumps(job)
    assert "secrets." not in text
    assert not any(name in text for name in SECRETS)
    assert "environment" not in job
    assert "permissions" not in job  # the workflow's: contents read, nothing else
    assert job["concurrency"]["cancel-in-progress"] is True  # a newer push replaces the check


def test_github_deploy_job_checks_builds_publishes_then_deploys(site):
    job = _yaml(site, ".github/workflows/status.yml")["jobs"]["deploy"]
    assert job["environment"]["name"] == "github-pages"
    assert job["permissions"]["pages"] == "write"
    assert job["permissions"]["id-token"] == "write"
    assert job["concurrency"]["cancel-in-progress"] is False
    assert job["concurrency"]["group"]
    steps = job["steps"]
    names = [s["name"] for s in steps]
    order = [names.index(n) for n in ("checkout", "check", "build", "publish", "upload", "deploy")]
    assert order == sorted(order)
    by_name = {s["name"]: s for s in steps}
    assert by_name["install statusgen"]["run"] == INSTALL
    assert by_name["check"]["run"] == "statusgen check"
    # The window history (calendar SEQUENCE, moves) comes from the live site.
    assert by_name["build"]["run"] == "statusgen build --previous"
    assert by_name["publish"]["run"] == "statusgen publish"
    assert by_name["publish"]["env"] == {k: f"${{{{ secrets.{k} }}}}" for k in SECRETS}
    assert by_name["upload"]["uses"].startswith("actions/upload-pages-artifact@")
    assert by_name["upload"]["with"] == {"path": "public"}
    assert by_name["deploy"]["uses"].startswith("actions/deploy-pages@")
    # A publish that failed part-way still deploys its ledger; a failed build never deploys.
    for name in ("upload", "deploy"):
        condition = by_name[name]["if"]
        assert "steps.build.outcome == 'success'" in condition
        assert "hashFiles('public/_statusgen/ledger.json')" in condition


def github_expand(text: str, context: dict[str, str]) -> str:
    """Each ``${{ expression }}`` of `text` replaced by its value in `context`."""

    def value(match: re.Match[str]) -> str:
        return context[match[1].strip()]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def _cache_steps(job: dict[str, Any]) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    found = {s["uses"].split("@")[0]: s for s in job["steps"] if "uses" in s}
    return found.get("actions/cache/restore"), found.get("actions/cache/save")


def test_github_deploy_job_restores_the_last_runs_build_cache_and_saves_its_own(site):
    job = _yaml(site, ".github/workflows/status.yml")["jobs"]["deploy"]
    restore, save = _cache_steps(job)
    assert restore is not None and save is not None
    names = [s["name"] for s in job["steps"]]
    order = [names.index(n) for n in (restore["name"], "check", "build", save["name"], "publish")]
    assert order == sorted(order)  # saved once the build succeeded, before publish can fail
    assert restore["with"]["path"] == save["with"]["path"] == CACHE_DIR
    assert restore["with"]["key"] == save["with"]["key"]
    runs = []
    for run_id, pin in (("101", "pin-a"), ("102", "pin-a"), ("103", "pin-b")):
        context = {
            "hashFiles('requirements.txt')": pin,
            "github.run_id": run_id,
            "github.run_attempt": "1",
        }
        key = github_expand(save["with"]["key"], context)
        prefix = github_expand(restore["with"]["restore-keys"], context)
        runs.append((key, prefix))
        assert key.startswith(prefix), key  # this run's own cache would match too
        assert run_id in key and run_id not in prefix  # the prefix finds any earlier run's
    keys, prefixes = zip(*runs, strict=True)
    assert len(set(keys)) == 3  # a cache is saved under a new key by every run
    assert prefixes[0] == prefixes[1] != prefixes[2]  # a new pin starts a cache of its own
    attempt = {"hashFiles('requirements.txt')": "p", "github.run_id": "1"}
    again = [github_expand(save["with"]["key"], {**attempt, "github.run_attempt": a}) for a in "12"]
    assert again[0] != again[1]  # a re-run saves too (a key, once saved, is never replaced)


def test_github_check_job_restores_the_build_cache_and_saves_none(site):
    jobs = _yaml(site, ".github/workflows/status.yml")["jobs"]
    restore, save = _cache_steps(jobs["check"])
    assert restore is not None and save is None  # a pull request's build is not the site's
    deployed, _ = _cache_steps(jobs["deploy"])
    assert deployed is not None
    assert restore["with"]["restore-keys"] == deployed["with"]["restore-keys"]
    assert restore["with"]["path"] == CACHE_DIR
    names = [s["name"] for s in jobs["check"]["steps"]]
    assert names.index(restore["name"]) < names.index("check")


def test_the_scaffold_ignores_the_build_cache_in_git(site):
    assert f"/{CACHE_DIR}/" in (site / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_github_jobs_cache_pip_on_requirements_txt(site):
    for name, job in _yaml(site, ".github/workflows/status.yml")["jobs"].items():
        uses = "actions/setup-python@"
        (setup,) = (s for s in job["steps"] if s.get("uses", "").startswith(uses))
        assert setup["with"]["cache"] == "pip", name
        assert setup["with"]["cache-dependency-path"] == "requirements.txt", name
        python = setup["with"]["python-version"]
        assert tuple(map(int, python.split("."))) >= (3, 11)
    assert (site / "requirements.txt").is_file()


# --- GitLab CI ----------------------------------------------------------------------

_GL_TOKEN_RE = re.compile(
    r'\s*(?:(?P<var>\$\w+)|(?P<str>"[^"]*"|\'[^\']*\')|(?P<op>==|!=|&&|\|\||\(|\)))'
)
_GL_KEYWORDS = frozenset(
    {"stages", "variables", "workflow", "default", "include", "image", "services", "cache"}
)


def gitlab_if(expression: str, variables: dict[str, str]) -> bool:
    """Evaluate a GitLab ``rules: if:`` of variables, strings, ==, !=, && and ||."""
    python: list[str] = []
    position = 0
    expression = expression.strip()
    while position < len(expression):
        match = _GL_TOKEN_RE.match(expression, position)
        assert match and match.end() > position, f"unsupported at {expression[position:]!r}"
        position = match.end()
        if match["var"]:
            python.append(repr(variables.get(match["var"][1:])))
        elif match["str"]:
            python.append(repr(match["str"][1:-1]))
        else:
            python.append({"&&": " and ", "||": " or "}.get(match["op"], match["op"]))
    return bool(eval("".join(python), {"__builtins__": {}}, {}))


def gitlab_rules_pass(rules: list[dict[str, Any]] | None, variables: dict[str, str]) -> bool:
    """The first rule that matches decides; none matching means no."""
    if rules is None:
        return True
    for rule in rules:
        if "if" not in rule or gitlab_if(rule["if"], variables):
            return rule.get("when", "on_success") != "never"
    return False


def gitlab_job(ci: dict[str, Any], name: str) -> dict[str, Any]:
    """A job with its `extends:` merged in, as GitLab merges them (deeply, the job winning)."""

    def merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
        merged = dict(base)
        for key, value in over.items():
            both_maps = isinstance(value, dict) and isinstance(merged.get(key), dict)
            merged[key] = merge(merged[key], value) if both_maps else value
        return merged

    job = ci[name]
    parents = job.get("extends", [])
    for parent in [parents] if isinstance(parents, str) else parents:
        job = merge(gitlab_job(ci, parent), job)
    return {k: v for k, v in job.items() if k != "extends"}


def gitlab_pipeline(ci: dict[str, Any], variables: dict[str, str]) -> set[str] | None:
    """The jobs of the pipeline these variables start, or None when none is created."""
    if not gitlab_rules_pass(ci.get("workflow", {}).get("rules"), variables):
        return None
    jobs = {
        name
        for name in ci
        if name not in _GL_KEYWORDS
        and not name.startswith(".")
        and gitlab_rules_pass(ci[name].get("rules"), variables)
    }
    return jobs or None


def gitlab_variables(source: str, branch: str | None) -> dict[str, str]:
    """Predefined variables; a merge request pipeline has no CI_COMMIT_BRANCH."""
    variables = {"CI_PIPELINE_SOURCE": source, "CI_DEFAULT_BRANCH": DEFAULT}
    if branch is not None:
        variables["CI_COMMIT_BRANCH"] = branch
    return variables


GITLAB_RUNS = [
    ("merge_request_event", None, {"check"}),
    ("push", DEFAULT, {"pages", "publish-result"}),
    ("schedule", DEFAULT, {"pages", "publish-result"}),
    ("web", DEFAULT, {"pages", "publish-result"}),  # "Run pipeline"
    ("push", "main", None),  # a branch named main that is not the default
    ("push", "fix-typo", None),
]


@pytest.mark.parametrize(("source", "branch", "jobs"), GITLAB_RUNS)
def test_gitlab_jobs_run_by_pipeline_and_only_deploy_from_the_default_branch(
    site, source, branch, jobs
):
    ci = _yaml(site, ".gitlab-ci.yml")
    assert gitlab_pipeline(ci, gitlab_variables(source, branch)) == jobs


def test_gitlab_merge_request_job_checks_and_builds_only_without_secrets(site):
    ci = _yaml(site, ".gitlab-ci.yml")
    job = gitlab_job(ci, "check")
    assert job["before_script"] + job["script"] == [INSTALL, "statusgen check", "statusgen build"]
    text = json.dumps(job)
    assert not any(name in text for name in SECRETS)
    assert "publish" not in text
    assert "resource_group" not in job  # never waits behind, or holds up, a deploy
    assert ci["stages"].index(job["stage"]) < ci["stages"].index(ci["pages"]["stage"])


def test_gitlab_pages_job_checks_builds_publishes_then_deploys(site):
    text = (site / ".gitlab-ci.yml").read_text(encoding="utf-8")
    ci = yaml.safe_load(text)
    job = gitlab_job(ci, "pages")
    assert job["before_script"] == [INSTALL]
    script = job["script"]
    commands = [
        next(i for i, line in enumerate(script) if line.startswith(f"statusgen {command}"))
        for command in ("check", "build", "publish")
    ]
    assert commands == sorted(commands)
    assert "statusgen build --previous" in script  # window history from the live site
    assert job["artifacts"]["paths"] == ["public"]
    assert job["resource_group"]
    assert ci["publish-result"]["needs"] == ["pages"]
    # Schedules and secrets live in GitLab's UI: the file says where.
    assert '"*/15 * * * *"' in text
    assert "Pipeline schedules" in text
    for name in SECRETS:
        assert name in text
    assert "Masked" in text


def test_gitlab_jobs_cache_pip_on_requirements_txt(site):
    ci = _yaml(site, ".gitlab-ci.yml")
    cache_dir = ci["variables"]["PIP_CACHE_DIR"]
    assert cache_dir == "$CI_PROJECT_DIR/.cache/pip"  # GitLab caches only inside the project
    for name in ("check", "pages"):
        (cache,) = (c for c in gitlab_job(ci, name)["cache"] if c["paths"] == [".cache/pip"])
        assert cache["key"] == {"files": ["requirements.txt"]}, name
        assert cache_dir.endswith("/" + cache["paths"][0])


def test_gitlab_jobs_keep_the_build_cache_on_the_statusgen_pin(site):
    """Each pipeline restores the last one's `.statusgen-cache/` and saves its own,
    under a key of the pin, apart from pip's."""
    ci = _yaml(site, ".gitlab-ci.yml")
    for name in ("check", "pages"):
        caches = gitlab_job(ci, name)["cache"]
        (cache,) = (c for c in caches if c["paths"] == [f"{CACHE_DIR}/"])
        assert cache["key"] == {"prefix": "statusgen", "files": ["requirements.txt"]}, name
        assert cache.get("policy", "pull-push") == "pull-push", name
        assert len({json.dumps(c["key"], sort_keys=True) for c in caches}) == len(caches)


# --- both ---------------------------------------------------------------------------


@pytest.mark.parametrize("rel", [".github/workflows/status.yml", ".gitlab-ci.yml"])
def test_no_branch_name_decides_deployment_and_every_install_uses_the_pin(site, rel):
    text = (site / rel).read_text(encoding="utf-8")
    assert re.findall(r"\b(?:main|master)\b", text) == []
    # Comments included: none may tell the reader to install statusgen another way.
    installs = re.findall(r"pip install[^\n]*", text)
    assert installs and set(installs) == {INSTALL}


# --- requirements.txt ---------------------------------------------------------------


def _pins(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_init_pins_the_running_version_in_requirements_txt(tmp_path, capsys):
    site = tmp_path / "site"
    assert cli.main(["init", str(site)]) == 0
    assert f"created {site / 'requirements.txt'}" in capsys.readouterr().out.splitlines()
    text = (site / "requirements.txt").read_text(encoding="utf-8")
    assert _pins(site / "requirements.txt") == [f"statusgen=={statusgen.__version__}"]
    assert text.endswith(f"\nstatusgen=={statusgen.__version__}\n")
    # How to install before the release is on PyPI, named for this very version.
    assert f"./statusgen-{statusgen.__version__}-py3-none-any.whl" in text
    assert "statusgen @ git+<repository URL>@<tag>" in text
    assert "development build:" not in text


def test_the_pinned_version_is_the_one_pip_sees():
    """`__version__` (what init pins) and the package metadata (what pip matches) agree."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == statusgen.__version__


@pytest.mark.parametrize(
    ("version", "development"),
    [
        ("0.2.0.dev3", True),
        ("0.2.0.dev3+g1a2b3c4", True),
        ("0.1.0+local", True),
        ("1.0.0", False),
        ("1.0.0rc1", False),  # pre-releases are published like releases
    ],
)
def test_a_development_build_says_so_above_its_pin(tmp_path, version, development):
    site = tmp_path / "site"
    init_site(site, timezone="UTC", version=version)
    path = site / "requirements.txt"
    assert _pins(path) == [f"statusgen=={version}"]
    lines = path.read_text(encoding="utf-8").splitlines()
    note = [
        f"# statusgen {version}, which wrote this file, is a development build:",
        "# PyPI rarely has one (one with a + never), so CI fails at pip install",
        "# until the line below says where to get it, as above, or names a release.",
    ]
    assert (lines[-4:-1] == note) is development
    assert (note[0] in lines) is development


def test_gitlab_jobs_publish_the_code_quality_report(site):
    """check and build write gl-code-quality-report.json under GitLab CI (report.py)."""
    from statusgen.report import DEFAULT_REPORT

    ci = _yaml(site, ".gitlab-ci.yml")
    check_job = gitlab_job(ci, "check")
    assert check_job["artifacts"]["when"] == "always"  # a failed check is when it matters
    for name in ("check", "pages"):
        reports = gitlab_job(ci, name)["artifacts"]["reports"]
        assert reports["codequality"] == DEFAULT_REPORT.as_posix()
    assert DEFAULT_REPORT.as_posix() in (site / ".gitignore").read_text().splitlines()
