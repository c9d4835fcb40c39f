"""The GitHub Pages workflow: it cannot run here, so check what it would do."""

import subprocess

import yaml

from repo import ROOT

WORKFLOW = yaml.safe_load((ROOT / ".github" / "workflows" / "book.yml").read_text())
STEPS = WORKFLOW["jobs"]["build"]["steps"]


def test_it_builds_with_the_readme_command_and_deploys_the_html():
    assert [s["run"] for s in STEPS if s.get("name") == "Build the book"] == ["make book"]
    assert "make book" in (ROOT / "README.md").read_text()
    upload = next(s for s in STEPS if s.get("uses", "").startswith("actions/upload-pages"))
    assert upload["with"]["path"] == "_build/html"
    deploy = WORKFLOW["jobs"]["deploy"]
    assert deploy["needs"] == "build" and "actions/deploy-pages" in deploy["steps"][0]["uses"]
    assert WORKFLOW["permissions"] == {"contents": "read", "pages": "write", "id-token": "write"}


def test_a_fork_publishes_buttons_pointing_at_itself(tmp_path):
    """The workflow's own shell step, run on a copy of _config.yml and the notebooks."""
    step = next(s for s in STEPS if "_config.yml" in s.get("run", ""))
    (tmp_path / "_config.yml").write_text((ROOT / "_config.yml").read_text())
    notebooks = [*ROOT.glob("book/*.ipynb"), *ROOT.glob("exercises/*/*.ipynb")]
    for path in notebooks:
        (tmp_path / path.relative_to(ROOT)).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path.relative_to(ROOT)).write_text(path.read_text())
    env = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "someone/fork",
           "PATH": "/usr/bin:/bin"}
    subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env, check=True)
    before = yaml.safe_load((ROOT / "_config.yml").read_text())
    after = yaml.safe_load((tmp_path / "_config.yml").read_text())
    assert after["repository"]["url"] == "https://github.com/someone/fork"
    assert before["repository"]["url"] != after["repository"]["url"]
    after["repository"]["url"] = before["repository"]["url"]
    assert after == before  # nothing else changed
    for path in notebooks:  # what a launched notebook installs: the fork too
        text = (tmp_path / path.relative_to(ROOT)).read_text()
        assert "git+https://github.com/someone/fork" in text and (
            "git+" + before["repository"]["url"] not in text), (
            f"{path.name}: the install cell still installs from {before['repository']['url']}")

    # A url the step cannot find to replace: it fails rather than publish wrong buttons.
    (tmp_path / "_config.yml").write_text(
        (ROOT / "_config.yml").read_text().replace("https://github.com/", "https://example.org/"))
    failed = subprocess.run(["bash", "-e", "-c", step["run"]], cwd=tmp_path, env=env,
                            capture_output=True)
    assert failed.returncode != 0


def _sphinx_settings(config: dict) -> dict:
    """What Jupyter Book 1 hands Sphinx for a _config.yml (its own translation)."""
    from jupyter_book.config import get_final_config

    settings, _ = get_final_config(user_yaml=config, cli_config={"latex_individualpages": False},
                                   sourcedir=ROOT, raise_on_invalid=True)
    return settings


def test_every_book_setting_lands_where_jupyter_book_reads_it():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    settings = _sphinx_settings(config)
    assert settings["nb_execution_mode"] == "cache"
    assert settings["nb_output_stderr"] == "remove"
    assert settings["nb_merge_streams"] is True
    assert settings["nb_execution_excludepatterns"] == ["exercises/*/*.ipynb"]
    assert settings["html_logo"] == settings["html_favicon"] == "book/images/logo.svg"
    assert (ROOT / settings["html_logo"]).is_file()
    theme = settings["html_theme_options"]
    assert theme["repository_url"] == config["repository"]["url"]
    assert theme["use_repository_button"] and theme["use_issues_button"]
    assert {k: theme["launch_buttons"][k] for k in config["launch_buttons"]} == \
        config["launch_buttons"]
    assert all(config["launch_buttons"][k] for k in ("jupyterhub_url", "binderhub_url",
                                                     "colab_url"))

    # The trap this guards against: under html: the same keys are silently dropped.
    misplaced = dict(config, html={**config["html"], "launch_buttons": config["launch_buttons"]})
    del misplaced["launch_buttons"]
    dropped = _sphinx_settings(misplaced)["html_theme_options"]["launch_buttons"]
    assert dropped["binderhub_url"] == dropped["colab_url"] == ""  # no buttons at all
