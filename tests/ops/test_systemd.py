"""The systemd units: rendering, `systemd-analyze verify`, exposure scores, install-systemd runs.

There is no running systemd here, so the units are checked offline: `systemd-analyze verify`
(which also checks that ExecStart's binary exists, so quoting mistakes show) and
`systemd-analyze security --offline=yes` (systemd >= 252).
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from wyoming_voice import systemd_render
from wyoming_voice.systemd_install import (
    InstallError,
    exec_quote,
    installation_paths,
    main,
    readonly_binds,
    render_unit,
    units_dir,
)

SERVICES = ("stt", "tts", "llm", "satellite")
WYOMING_VOICE = Path(sys.executable).parent / "wyoming-voice"
MAX_EXPOSURE = 3.0
ANALYZE = shutil.which("systemd-analyze")
needs_analyze = pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")


def install(prefix: Path, env_dir: Path, *extra: str) -> int:
    argv = ["--prefix", str(prefix), "--env-dir", str(env_dir), *extra]
    return main(argv, "wyoming-voice install-systemd")


def verify(unit: Path) -> str:
    """Run `systemd-analyze verify`; returns its complaints about our unit ('' when clean)."""
    assert ANALYZE is not None
    result = subprocess.run(
        [ANALYZE, "verify", "--man=no", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    ours = [line for line in result.stderr.splitlines() if unit.name in line or str(unit) in line]
    assert result.returncode == 0, result.stderr
    return "\n".join(ours)


def exposure(unit: Path) -> float:
    """The overall exposure `systemd-analyze security --offline=yes` gives the unit."""
    assert ANALYZE is not None
    result = subprocess.run(
        [ANALYZE, "security", "--offline=yes", "--no-pager", str(unit)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout)
    assert found, result.stdout + result.stderr
    return float(found.group(1))


@pytest.fixture
def installed(tmp_path: Path) -> Path:
    prefix = tmp_path / "units"
    code = install(prefix, tmp_path / "env", "--services", ",".join(SERVICES), "--gpu", "no")
    assert code == 0
    return prefix


@needs_analyze
@pytest.mark.parametrize("service", SERVICES)
def test_unit_verifies_and_is_well_hardened(installed: Path, service: str) -> None:
    unit = installed / f"wyoming-voice-{service}.service"
    assert verify(unit) == ""
    score = exposure(unit)
    print(f"exposure {unit.name}: {score}")
    assert score <= MAX_EXPOSURE


@needs_analyze
@pytest.mark.parametrize("service", ["stt", "tts", "llm"])
def test_gpu_drop_in_verifies_and_stays_ok(tmp_path: Path, service: str) -> None:
    prefix = tmp_path / "units"
    assert install(prefix, tmp_path / "env", "--services", service, "--gpu", "yes") == 0
    unit = prefix / f"wyoming-voice-{service}.service"
    dropin = prefix / f"{unit.name}.d" / "gpu.conf"
    assert "DeviceAllow=char-nvidia* rw" in dropin.read_text()
    assert verify(unit) == ""
    score = exposure(unit)
    print(f"exposure {unit.name} + gpu.conf: {score}")
    assert score <= MAX_EXPOSURE


@pytest.mark.parametrize("service", SERVICES)
def test_a_template_says_it_is_one_and_the_unit_does_not(
    installed: Path, tmp_path: Path, service: str
) -> None:
    template = (units_dir() / f"wyoming-voice-{service}.service").read_text()
    header = [line for line in template.splitlines()[:6] if line.startswith("# TEMPLATE")]
    assert "do not copy" in header[0] and "install-systemd" in header[-1]
    assert "systemd-analyze verify rejects" in " ".join(header)
    rendered = (installed / f"wyoming-voice-{service}.service").read_text()
    assert "# TEMPLATE" not in rendered
    assert not re.findall(r"@[A-Z_]+@", rendered)
    if ANALYZE is not None:  # the header tells the truth: a hand copy does not verify
        copy = tmp_path / "by-hand" / f"wyoming-voice-{service}.service"
        copy.parent.mkdir()
        copy.write_text(template)
        result = subprocess.run(
            [ANALYZE, "verify", "--man=no", str(copy)], capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        assert result.returncode != 0


def test_rendered_unit_names_this_installation(installed: Path, tmp_path: Path) -> None:
    text = (installed / "wyoming-voice-llm.service").read_text()
    assert f"ExecStart={WYOMING_VOICE} llm\n" in text
    assert f"EnvironmentFile={tmp_path / 'env'}/llm.env\n" in text
    assert f"LoadCredential=hass-token:{tmp_path / 'env'}/hass-token\n" in text
    assert "User=wyoming-voice\n" in text
    for line in (
        "Type=notify",
        "NotifyAccess=main",
        "WatchdogSec=30s",
        "DynamicUser=yes",
        "StateDirectory=wyoming-voice-llm",
        "ProtectSystem=strict",
    ):
        assert f"\n{line}\n" in text
    binds = readonly_binds(installation_paths((str(WYOMING_VOICE),)))
    if binds:  # this Python lives under a home directory (e.g. pyenv in /root)
        assert "\nProtectHome=tmpfs\n" in text
        assert any(str(path) in text for path in binds)
    else:
        assert "\nProtectHome=yes\n" in text
    assert not re.search(r"@[A-Z_]+@", text)
    satellite = (installed / "wyoming-voice-satellite.service").read_text()
    assert "\nDeviceAllow=char-alsa rw\n" in satellite
    assert "\nSupplementaryGroups=audio\n" in satellite


@pytest.mark.parametrize(
    ("word", "quoted"),
    [
        ("/usr/bin/wyoming-voice", "/usr/bin/wyoming-voice"),
        ("/opt/my venv/bin/wyoming-voice", '"/opt/my venv/bin/wyoming-voice"'),
        ('/opt/a"b\\c', '"/opt/a\\"b\\\\c"'),
        ("/opt/50%/x", "/opt/50%%/x"),
        ("/opt/$HOME/x", "/opt/$$HOME/x"),
        ("a;b", '"a;b"'),
        ("", '""'),
    ],
)
def test_exec_start_quoting(word: str, quoted: str) -> None:
    assert exec_quote(word) == quoted


def test_line_breaks_cannot_be_quoted() -> None:
    with pytest.raises(InstallError):
        exec_quote("/opt/a\nb")


@needs_analyze
def test_paths_with_spaces_and_percent(tmp_path: Path) -> None:
    venv = tmp_path / "my venv 50%" / "bin"
    venv.mkdir(parents=True)
    executable = venv / "wyoming-voice"
    executable.symlink_to(WYOMING_VOICE)
    prefix, env_dir = tmp_path / "unit dir", tmp_path / "etc dir" / "wyoming voice"
    args = ("--services", "stt,llm", "--executable", str(executable), "--gpu", "no")
    assert install(prefix, env_dir, *args) == 0

    unit = prefix / "wyoming-voice-llm.service"
    text = unit.read_text()
    quoted = str(executable).replace("%", "%%")
    assert f'ExecStart="{quoted}" llm\n' in text
    assert f"EnvironmentFile={str(env_dir).replace('%', '%%')}/llm.env\n" in text
    assert (env_dir / "llm.env").is_file()
    # verify resolves ExecStart's binary: a wrongly split or escaped path would be reported.
    assert verify(unit) == ""
    assert verify(prefix / "wyoming-voice-stt.service") == ""


@needs_analyze
def test_install_under_a_home_directory_binds_only_that(tmp_path: Path) -> None:
    template = (units_dir() / "wyoming-voice-tts.service").read_text()
    binds = [Path("/home/me/wyoming voice/.venv"), Path("/root/.pyenv/versions/3.11.9")]
    text = render_unit(
        template, executable=[str(WYOMING_VOICE)], env_dir=tmp_path, user="wv", binds=binds
    )
    assert "\nProtectHome=tmpfs\n" in text
    assert (
        '\nBindReadOnlyPaths="/home/me/wyoming voice/.venv" "/root/.pyenv/versions/3.11.9"\n'
        in text
    )
    unit = tmp_path / "wyoming-voice-tts.service"
    unit.write_text(text)
    assert verify(unit) == ""
    assert exposure(unit) <= MAX_EXPOSURE


def test_readonly_binds_only_for_home_paths() -> None:
    paths = [Path("/opt/venv"), Path("/home/me/.venv"), Path("/root/x"), Path("/home/me/.venv")]
    assert readonly_binds(paths) == [Path("/home/me/.venv"), Path("/root/x")]


def test_rerun_is_idempotent_and_keeps_edited_env_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix, env_dir = tmp_path / "a" / "b" / "units", tmp_path / "env"
    args = ("--services", "stt,tts", "--gpu", "yes")
    assert install(prefix, env_dir, *args) == 0
    (env_dir / "stt.env").write_text("WYOMING_STT_MODEL=small-int8\n")
    files = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    capsys.readouterr()

    assert install(prefix, env_dir, *args) == 0

    out = capsys.readouterr().out
    assert "created" not in out and "updated" not in out
    assert f"kept {env_dir / 'stt.env'}" in out
    assert {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files} == before
    assert sorted(p for p in tmp_path.rglob("*") if p.is_file()) == files
    assert stat.S_IMODE((env_dir / "tts.env").stat().st_mode) == 0o640

    assert install(prefix, env_dir, "--services", "stt,tts", "--gpu", "no") == 0
    assert not (prefix / "wyoming-voice-stt.service.d").exists()  # our drop-in, removed


def test_dry_run_writes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert install(tmp_path / "units", tmp_path / "env", "--services", "llm", "--dry-run") == 0
    out = capsys.readouterr().out
    assert f"--- would create {tmp_path / 'units' / 'wyoming-voice-llm.service'}" in out
    assert f"ExecStart={WYOMING_VOICE} llm" in out
    assert "systemctl enable --now wyoming-voice-llm.service" in out
    assert not (tmp_path / "units").exists() and not (tmp_path / "env").exists()


def test_enable_now_runs_systemctl(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bin_dir, log = tmp_path / "bin", tmp_path / "systemctl.log"
    bin_dir.mkdir()
    fake = bin_dir / "systemctl"
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{log}"\n')
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    args = ("--services", "stt,tts", "--enable", "--now")
    assert install(tmp_path / "units", tmp_path / "env", *args) == 0
    assert log.read_text().splitlines() == [
        "daemon-reload",
        "enable --now wyoming-voice-stt.service wyoming-voice-tts.service",
    ]
    fake.write_text("#!/bin/sh\nexit 5\n")
    assert install(tmp_path / "units", tmp_path / "env", *args) == 5
    assert "systemctl daemon-reload failed with exit code 5" in capsys.readouterr().out


def test_unwritable_prefix_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() == 0:
        target = Path("/proc/wyoming-voice-units")  # not writable even for root
    else:
        target = tmp_path / "locked" / "units"
        target.parent.mkdir()
        target.parent.chmod(0o500)
    assert install(target, tmp_path / "env", "--services", "stt") == 1
    err = capsys.readouterr().err
    assert "error:" in err and str(target) in err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--services", "stt,wake"], "--services: unknown ['wake']"),
        (["--user", "Bad User"], "--user: 'Bad User' is not a valid user name"),
        (["--now"], "--now: --now only works together with --enable"),
        (["--gpu", "maybe"], "invalid choice: 'maybe'"),
    ],
)
def test_bad_flags_are_one_line_usage_errors(
    tmp_path: Path, argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        install(tmp_path, tmp_path, *argv)
    assert exit_info.value.code == 2
    [line, _hint] = capsys.readouterr().err.strip().splitlines()
    assert message in line, line
    assert install(tmp_path, tmp_path, "--executable", str(tmp_path / "nope")) == 1
    assert "is not an executable file" in capsys.readouterr().err


def test_templates_are_found_like_in_a_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    package = tmp_path / "wyoming_voice"
    shutil.copytree(units_dir(), package / "systemd_units")
    monkeypatch.setattr(systemd_render, "__file__", str(package / "systemd_render.py"))
    assert units_dir() == package / "systemd_units"


def env_names_from_help(module: str) -> set[str]:
    if importlib_find(f"{module}.__main__") is None:
        pytest.skip(f"{module} has no __main__ yet")
    env = {**os.environ, "COLUMNS": "1000"}
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env=env,
    )
    return set(re.findall(r"\[env:\s+([A-Z0-9_]+)\]", result.stdout))


def importlib_find(name: str) -> object | None:
    import importlib.util

    try:
        return importlib.util.find_spec(name)
    except ModuleNotFoundError:
        return None


@pytest.mark.parametrize(
    ("service", "module"),
    [
        ("stt", "wyoming_stt"),
        ("tts", "wyoming_tts"),
        ("llm", "wyoming_llm"),
        ("satellite", "satellite"),
    ],
)
def test_env_file_lists_every_variable_the_service_reads(service: str, module: str) -> None:
    names = env_names_from_help(module)
    text = (units_dir() / f"{service}.env").read_text()
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, flags=re.MULTILINE))
    assert names, "the service's --help shows no [env: ...] names"
    assert sorted(names - listed) == [], f"missing from systemd/{service}.env"
    assert sorted(listed - names) == [], f"systemd/{service}.env names unknown variables"
