"""The deployment files (Dockerfile, compose.yaml, .env.example) keep their promises.

No Docker engine runs on the development and CI machines, so these read the files: every
documented environment variable is in .env.example, compose has the services, health
checks and volumes production relies on, and the image runs as a non-root user.
"""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DESIGN = ROOT.parent / "shared" / "DESIGN.md"

# DESIGN.md's "Contracts / Environment" list: operators and compose rely on these names.
CONTRACT_VARIABLES = [
    "DATABASE_URL",
    "CELERY_BROKER_URL",
    "SECRET_KEY",
    "DEBUG",
    "ALLOWED_HOSTS",
    "GREEN_API_URL",
    "GREEN_API_MEDIA_URL",
    "GREEN_API_ID",
    "GREEN_API_TOKEN",
    "GREEN_API_WEBHOOK_TOKEN",
    "GEMINI_API_KEY",
    "GEMINI_BASE_URL",
    "AI_MODELS",
    "CLOUDINARY_URL",
    "ADMIN_WHATSAPP",
    "SOS_TIMEOUT_MINUTES",
    "MAX_PRO_LOAD",
    "TIME_ZONE",
    "SECURE_SSL_REDIRECT",
    "CSRF_TRUSTED_ORIGINS",
    "REDIS_URL",
]
# Read outside settings.py: by ensure_admin and by the image's gunicorn command.
OTHER_VARIABLES = [
    "DJANGO_SUPERUSER_USERNAME",
    "DJANGO_SUPERUSER_PASSWORD",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
]
# The original deployment's names, read as documented aliases of Fixi's own.
ALIAS_VARIABLES = [
    "MONGO_URI",
    "CLOUDINARY_CLOUD_NAME",
    "CLOUDINARY_API_KEY",
    "CLOUDINARY_API_SECRET",
    "ADMIN_PASSWORD",
]
ENV_HELPERS = {"env_bool", "env_int", "env_list", "env_url", "env_alias"}


def env_example_names() -> set[str]:
    """Names in .env.example, whether set or shown commented out with their default."""
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def settings_variable_names() -> set[str]:
    """Every NAME in settings.py's env_*("NAME", ...) and env.<type>("NAME", ...) calls."""
    tree = ast.parse((ROOT / "fixi" / "settings.py").read_text())
    names = set()
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and node.args):
            continue
        func = node.func
        is_helper = isinstance(func, ast.Name) and func.id in ENV_HELPERS
        is_env_method = (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "env"
        )
        if not (is_helper or is_env_method):
            continue
        arguments = node.args if is_helper and func.id == "env_alias" else node.args[:1]
        for argument in arguments:
            name = getattr(argument, "value", None)
            if isinstance(name, str) and name.isupper():
                names.add(name)
    return names


# --- .env.example ----------------------------------------------------------------------


@pytest.mark.parametrize("name", CONTRACT_VARIABLES + OTHER_VARIABLES + ALIAS_VARIABLES)
def test_env_example_documents_variable(name):
    assert name in env_example_names()


@pytest.mark.parametrize("name", ALIAS_VARIABLES)
def test_aliases_are_documented_as_such_for_operators(name):
    assert f"`{name}`" in (ROOT / "docs" / "DEPLOY.md").read_text()
    lines = (ROOT / ".env.example").read_text().splitlines()
    above = lines[: lines.index(f"# {name}=")]
    description = next(line for line in reversed(above) if not re.match(r"# [A-Z_]+=", line))
    assert "alias" in description


def test_env_example_documents_every_variable_settings_reads():
    read = settings_variable_names()
    assert {"SECRET_KEY", "DATABASE_URL", "LOG_LEVEL"} <= read  # the parser finds them
    assert read - env_example_names() == set()


def test_env_example_covers_the_design_contract_list():
    if not DESIGN.is_file():
        pytest.skip(f"{DESIGN} is not beside this checkout")
    text = DESIGN.read_text()
    section = text[text.index("Environment (") : text.index("Business constants")]
    contract = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", section))
    assert contract == set(CONTRACT_VARIABLES)
    assert contract - env_example_names() == set()


def test_env_example_sets_no_secret():
    text = (ROOT / ".env.example").read_text()
    assigned = re.findall(r"^([A-Z][A-Z0-9_]*)=(.*)$", text, flags=re.MULTILINE)
    assert [(name, value) for name, value in assigned if value.strip()] == []


# --- compose.yaml ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose():
    yaml = pytest.importorskip("yaml", reason="PyYAML is a dev dependency: run make setup")
    return yaml.safe_load((ROOT / "compose.yaml").read_text())


def test_compose_uses_the_compose_spec_without_version(compose):
    assert "version" not in compose


def test_compose_has_the_services(compose):
    assert {"web", "worker", "beat", "migrate", "mongo", "redis"} <= set(compose["services"])


@pytest.mark.parametrize("service", ["web", "mongo", "redis"])
def test_compose_service_has_a_healthcheck(compose, service):
    healthcheck = compose["services"][service]["healthcheck"]
    assert healthcheck["test"] and not healthcheck.get("disable")


@pytest.mark.parametrize("service", ["worker", "beat", "migrate"])
def test_compose_disables_the_image_healthcheck_where_gunicorn_does_not_run(compose, service):
    assert compose["services"][service]["healthcheck"] == {"disable": True}


def test_compose_web_healthcheck_probes_healthz(compose):
    test = compose["services"]["web"]["healthcheck"]["test"]
    script = (ROOT / test[-1].removeprefix("/app/")).read_text()
    assert "/healthz" in script


@pytest.mark.parametrize(("service", "target"), [("mongo", "/data/db"), ("redis", "/data")])
def test_compose_stores_data_in_named_volumes(compose, service, target):
    volumes = compose["services"][service]["volumes"]
    source_by_target = {target: source for source, target, *_ in (v.split(":") for v in volumes)}
    assert source_by_target[target] in compose["volumes"]


def test_compose_mongo_is_a_self_initiating_replica_set(compose):
    mongo = compose["services"]["mongo"]
    assert "--replSet" in mongo["command"]
    check = " ".join(mongo["healthcheck"]["test"])
    assert "rs.initiate" in check
    assert "replicaSet=rs0" in compose["services"]["web"]["environment"]["DATABASE_URL"]


def test_compose_refuses_to_start_without_secret_key_and_runs_without_debug(compose):
    for name in ("web", "worker", "beat", "migrate"):
        environment = compose["services"][name]["environment"]
        assert environment["DEBUG"] == "0"
        assert environment["SECRET_KEY"].startswith("${SECRET_KEY:?")


def test_compose_runs_exactly_one_beat(compose):
    beats = [
        name
        for name, service in compose["services"].items()
        if "beat" in service.get("command", [])
    ]
    assert beats == ["beat"]
    assert compose["services"]["beat"]["deploy"]["replicas"] == 1


def test_compose_requires_the_webhook_token_and_runs_https_only(compose):
    for name in ("web", "worker", "beat", "migrate"):
        environment = compose["services"][name]["environment"]
        assert environment["GREEN_API_WEBHOOK_TOKEN"].startswith("${GREEN_API_WEBHOOK_TOKEN:?")
        assert environment["SECURE_SSL_REDIRECT"] == "${SECURE_SSL_REDIRECT:-1}"
        assert environment["SECURE_PROXY_SSL_HEADER"] == "${SECURE_PROXY_SSL_HEADER:-1}"


def test_compose_reads_mongo_uri_as_database_url(compose):
    atlas = "mongodb+srv://u:p@atlas/shop"
    environment = compose_environment(compose, {**PRODUCTION_DOT_ENV, "MONGO_URI": atlas})
    assert environment["DATABASE_URL"] == environment["MONGO_URI"] == atlas
    default = compose_environment(compose, PRODUCTION_DOT_ENV)["DATABASE_URL"]
    assert default.startswith("mongodb://mongo:27017/")


# A production .env: every variable compose requires, and the integrations configured.
PRODUCTION_DOT_ENV = {
    "SECRET_KEY": "compose-check-" + "s" * 50,
    "GREEN_API_WEBHOOK_TOKEN": "w" * 40,
    "ALLOWED_HOSTS": "fixi.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://fixi.example.com",
    "GREEN_API_ID": "1101000001",
    "GREEN_API_TOKEN": "instance-token",
    "GEMINI_API_KEY": "gemini-key",
    "CLOUDINARY_URL": "cloudinary://614335564976464:api-secret@fixi",
    "ADMIN_WHATSAPP": "972501234567",
}
SUBSTITUTION = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:[?-])(?P<rest>[^${}]*))?\}")


def compose_environment(compose: dict, dot_env: dict, service: str = "web") -> dict:
    """What a service's container gets: .env (compose's env_file) under the service's
    `environment`, interpolated from .env as compose does (nested `${A:-${B:-x}}` from the
    inside out)."""

    def one(match):
        if dot_env.get(match["name"]):
            return dot_env[match["name"]]
        assert match["op"] != ":?", f"compose requires {match['name']}: {match['rest']}"
        return match["rest"] if match["op"] == ":-" else ""

    def interpolate(value: str) -> str:
        while (done := SUBSTITUTION.sub(one, value)) != value:
            value = done
        return value

    listed = compose["services"][service]["environment"]
    return {**dot_env, **{name: interpolate(str(value)) for name, value in listed.items()}}


def test_check_deploy_with_the_compose_environment_says_nothing(compose, tmp_path):
    """`manage.py check --deploy` with what compose gives the web container, the image's
    collected static files included (the Dockerfile runs collectstatic), prints nothing."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO", "FIXI"))}
    env.update(compose_environment(compose, PRODUCTION_DOT_ENV))
    env.update(DJANGO_SETTINGS_MODULE="fixi.settings", STATIC_ROOT=str(tmp_path))

    def manage(*args):
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=180,
        )

    collected = manage("collectstatic", "--noinput")
    assert collected.returncode == 0, collected.stderr
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""
    # Silenced by settings, each with its reason there: axes.W006, and security.W021 (HSTS
    # preload) because compose's SECURE_HSTS_PRELOAD=0 is the decision W021 asks for.
    assert result.stdout.startswith("System check identified no issues")


def test_compose_web_waits_for_migrations(compose):
    depends_on = compose["services"]["web"]["depends_on"]
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"
    assert depends_on["redis"]["condition"] == "service_healthy"


# --- Dockerfile and .dockerignore -----------------------------------------------------------


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = (ROOT / "Dockerfile").read_text().replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1])
        for line in lines
        if line and not line.startswith("#")
    ]


def test_dockerfile_runs_as_a_non_root_user():
    instructions = dockerfile_instructions()
    last_from = max(i for i, (op, _) in enumerate(instructions) if op == "FROM")
    users = [arg for op, arg in instructions[last_from:] if op == "USER"]
    assert users and users[-1].split(":")[0] not in {"root", "0"}


def test_dockerfile_has_a_healthcheck_and_serves_port_8000():
    instructions = dict(dockerfile_instructions())
    assert "healthcheck.py" in instructions["HEALTHCHECK"]
    assert instructions["EXPOSE"] == "8000"
    assert "gunicorn fixi.wsgi" in instructions["CMD"]


def test_dockerfile_is_multi_stage_and_installs_from_the_lock_without_dev_extras():
    instructions = dockerfile_instructions()
    froms = [arg for op, arg in instructions if op == "FROM"]
    assert len(froms) >= 2 and all(f.startswith("python:3.13-slim") for f in froms)
    runs = " ".join(arg for op, arg in instructions if op == "RUN")
    assert "-c requirements.lock" in runs
    assert "[dev]" not in runs


def test_dockerignore_keeps_local_state_and_secrets_out_of_the_image():
    ignored = (ROOT / ".dockerignore").read_text().splitlines()
    assert {".env", ".venv", "var", ".git"} <= set(ignored)


def _compose_client() -> list[str] | None:
    """`docker compose` or the standalone `docker-compose`, when one is installed."""
    for command in (["docker", "compose"], ["docker-compose"]):
        if shutil.which(command[0]) is None:
            continue
        probe = subprocess.run([*command, "version"], capture_output=True, text=True)
        if probe.returncode == 0:
            return command
    return None


def test_compose_file_is_valid_for_the_compose_client():
    """Where a Docker client is installed, compose itself checks the file (no engine
    needed); SECRET_KEY and GREEN_API_WEBHOOK_TOKEN are the variables it refuses to start
    without."""
    client = _compose_client()
    if client is None:
        pytest.skip("no docker compose / docker-compose client on this machine")
    required = {"SECRET_KEY": "compose-config-check", "GREEN_API_WEBHOOK_TOKEN": "w" * 40}

    def config(env: dict) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*client, "-f", str(ROOT / "compose.yaml"), "config", "--quiet"],
            capture_output=True,
            text=True,
            env={**{k: v for k, v in os.environ.items() if k not in required}, **env},
            cwd=ROOT,
        )

    result = config(required)
    assert result.returncode == 0, result.stderr
    for name in required:
        missing = config({k: v for k, v in required.items() if k != name})
        assert missing.returncode != 0 and name in missing.stderr
