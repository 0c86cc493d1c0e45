"""A pyenv root built for a test in a temporary directory, so that what a test sees does not depend
on which Pythons the machine's pyenv happens to hold.

Its code is the machine's pyenv checkout, linked and never changed: bin, libexec, plugins (with
python-build's definitions and pyenv-virtualenv), pyenv.d, completions. Every CI machine has that
checkout (scripts/build_images.sh mirrors it for molecule; it fails without one). Its versions/ holds
stand-in installs chosen by the test: a real directory per version (what ``pyenv versions`` and
profiles_pyenv_info count) whose bin/python is a link to a real CPython with its standard modules
(the interpreter running the tests), so the role's checks run it for real. Nothing is built."""
import os
import shutil
import subprocess
import sys

CODE = ("bin", "libexec", "plugins", "pyenv.d", "completions")


def machine_pyenv_checkout():
    """The machine's pyenv checkout (``pyenv root`` of the pyenv on PATH, else ~/.pyenv), or None."""
    pyenv = shutil.which("pyenv")
    if pyenv:
        proc = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        root = proc.stdout.strip() if proc.returncode == 0 else ""
    else:
        root = os.path.expanduser("~/.pyenv")
    return root if root and os.access(os.path.join(root, "bin", "pyenv"), os.X_OK) else None


def real_python():
    """A real CPython with its standard modules: the one running the tests, outside any venv."""
    return os.path.realpath(getattr(sys, "_base_executable", None) or sys.executable)


def make_pyenv_root(path, versions=(), checkout=None):
    """A pyenv root at ``path`` (created) running ``checkout``'s code, with ``versions`` "installed"."""
    checkout = checkout or machine_pyenv_checkout()
    assert checkout, "no pyenv checkout on this machine (tests/helpers/pyenv.py)"
    os.makedirs(os.path.join(path, "versions"))
    for part in CODE:
        if os.path.exists(os.path.join(checkout, part)):
            os.symlink(os.path.join(checkout, part), os.path.join(path, part))
    for version in versions:
        add_version(path, version)
    return str(path)


def add_version(root, version):
    """A stand-in install of ``version`` in ``root``: bin/python and bin/python3 run a real CPython."""
    bindir = os.path.join(root, "versions", version, "bin")
    os.makedirs(bindir)
    for name in ("python", "python3"):
        os.symlink(real_python(), os.path.join(bindir, name))


def run_pyenv(root, *args):
    """``pyenv ARGS`` with PYENV_ROOT=root (completed process, text)."""
    env = dict(os.environ, PYENV_ROOT=str(root))
    return subprocess.run([os.path.join(str(root), "bin", "pyenv")] + list(args), env=env,
                          capture_output=True, text=True, check=False)


def fake_version_virtualenv(path, version):
    """A virtualenv (no pip) whose Python reports ``version`` to platform.python_version(): a
    labelled stand-in for a virtualenv on another minor release, which the machine may not have.
    Everything else is the real interpreter; a .pth file in its site-packages sets the version (a
    .pth rather than sitecustomize, which Debian's own in the standard library would shadow)."""
    subprocess.run([real_python(), "-m", "venv", "--without-pip", str(path)], check=True)
    purelib = subprocess.run([os.path.join(str(path), "bin", "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    with open(os.path.join(purelib, "standin_python_version.pth"), "w") as f:
        f.write("import platform; platform.python_version = lambda: %r\n" % version)
    return str(path)
