"""The one account lookup every role uses (plugins/module_utils/workstation/accounts.py), against this
machine's real passwd database."""
import os
import pwd

from ansible_collections.rudderstack.profiles.plugins.module_utils.workstation import accounts


def test_current_user_needs_no_become():
    me = pwd.getpwuid(os.geteuid())
    found = accounts.lookup_account()
    assert found["user"] == me.pw_name == found["current_user"]
    assert found["home"] == me.pw_dir and found["exists"] is True
    assert found["uid"] == me.pw_uid and found["become"] is False
    # Naming yourself is not a reason to become.
    assert accounts.lookup_account(me.pw_name)["become"] is False


def test_another_account_is_looked_up_and_needs_become():
    other = next(e for e in pwd.getpwall() if e.pw_uid != os.geteuid() and e.pw_dir)
    found = accounts.lookup_account(other.pw_name)
    assert found["home"] == other.pw_dir and found["uid"] == other.pw_uid and found["gid"] == other.pw_gid
    assert found["shell"] == other.pw_shell and found["group"]
    assert found["become"] is True and found["exists"] is True


def test_home_given_is_kept_and_unknown_account_is_reported():
    assert accounts.lookup_account("", "/srv/analyst")["home"] == "/srv/analyst"
    found = accounts.lookup_account("no_such_analyst_x")
    assert found == dict(found, user="no_such_analyst_x", exists=False, home="", uid=None, become=True)
    # A home given for an account this host does not know yet (created later in the play) is kept.
    assert accounts.lookup_account("no_such_analyst_x", "/home/x")["home"] == "/home/x"


def test_the_roles_filter_decides_as_the_module_does():
    """needs_become (the filter the roles use without a round trip) against lookup_account's
    answer, for nobody named, yourself, and someone else."""
    from ansible_collections.rudderstack.profiles.plugins.filter.accounts import needs_become
    me = pwd.getpwuid(os.geteuid()).pw_name
    for user in ("", me, "root" if me != "root" else "nobody", "no_such_analyst_x"):
        assert needs_become(user, me) is accounts.lookup_account(user)["become"], user
    assert needs_become(None, me) is False
