"""Fault injection for the safety suite, loaded by Python at start-up when this directory is on
PYTHONPATH (the suite sets it, with the variables below, in a task's ``environment`` so that only
the module process sees it).

PROFILES_FAULT_RENAME: a substring of a destination path. When a file or directory is moved onto a
    matching path (os.rename / os.replace: how every atomic write of the collection lands), the
    action below runs first, as if the process were stopped exactly there.
PROFILES_FAULT_ACTION: ``kill`` (SIGKILL: the process dies, nothing after runs, no cleanup) or
    ``sleep:SECONDS`` (hold the window open, for races between two writers).
PROFILES_FAULT_SKIP: how many matching moves to let through before acting (default 0).
PROFILES_FAULT_MARK: a file created when the action starts (the test waits for it).
"""
import os
import signal
import time

_MATCH = os.environ.get("PROFILES_FAULT_RENAME")
_ACTION = os.environ.get("PROFILES_FAULT_ACTION", "kill")
_MARK = os.environ.get("PROFILES_FAULT_MARK")
_state = {"skip": int(os.environ.get("PROFILES_FAULT_SKIP", "0"))}


def _fault(dst):
    path = os.fsdecode(dst) if isinstance(dst, (bytes, str)) else str(dst)
    if not _MATCH or _MATCH not in path:
        return
    if _state["skip"] > 0:
        _state["skip"] -= 1
        return
    if _MARK:
        with open(_MARK, "a") as mark:
            mark.write("%d %s\n" % (os.getpid(), path))
    if _ACTION == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    elif _ACTION.startswith("sleep:"):
        time.sleep(float(_ACTION.split(":", 1)[1]))


def _wrap(original):
    def moved(src, dst, *args, **kwargs):
        _fault(dst)
        return original(src, dst, *args, **kwargs)
    return moved


if _MATCH:
    os.rename = _wrap(os.rename)
    os.replace = _wrap(os.replace)
