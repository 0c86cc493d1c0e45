"""Property tests: whatever the values, the rendered siteconfig reads back to the same data,
and merging never loses a connection or a target it was not asked to change."""
from hypothesis import given, settings
from hypothesis import strategies as st

from siteconfig_loader import load

sc = load()


def lossless(text):
    """Text that yaml.v3 (and so pb) writes in a form that reads back as the same text. Two
    forms do not, and the emitter keeps them because pb writes them (docs/pb-quirks.md): a
    literal block whose value starts with a line break loses that break, and LS/PS written raw
    inside quotes or blocks read back as line breaks."""
    if "\u2028" in text or "\u2029" in text:
        return False
    return not ("\n" in text and text[:1] in "\r\n\x85")


# Any text YAML can carry (no surrogates; NUL and other controls included: they get escaped).
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40).filter(lossless)
TRICKY = st.sampled_from(["", " ", "yes", "No", "0777", "1e5", "1:20", "- a", "a: b", "#x", "x #y",
                          "'", '"', "\\", "\t", "a\n", "a\n\n", " a\nb", "a \nb", "null",
                          "~", "2024-01-01", "@at", "`", "a\r\nb", "\x85", "---", "...", "<<",
                          "0bad", "1e400", "2024-02-30", "a\tb\nc"])
VALUE = st.one_of(TEXT, TRICKY, st.integers(-2 ** 40, 2 ** 40), st.booleans(), st.none())
NAME = st.one_of(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1,
                         max_size=12).filter(lossless), TRICKY.filter(bool))


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(NAME, VALUE, max_size=8), st.dictionaries(NAME, VALUE, max_size=4))
def test_render_then_parse_gives_back_the_data(output, extra_top):
    data = sc.new_siteconfig("/h/.pb/siteconfig.yaml", "/h/.pb/WhtCache")
    data["connections"] = {"c": {"target": "dev", "outputs": {"dev": output}}}
    for key, value in extra_top.items():
        if key not in sc.TAIL_FIELDS:
            data[key] = value
    text = sc.render_siteconfig(data)
    assert sc.parse_siteconfig(text) == data
    # and rendering is stable: what pb-format text we write is what we would write again
    assert sc.render_siteconfig(sc.parse_siteconfig(text)) == text


CONNS = st.dictionaries(
    st.text(alphabet="abcdefgh_", min_size=1, max_size=4),
    st.dictionaries(st.text(alphabet="xyz", min_size=1, max_size=3),
                    st.fixed_dictionaries({"type": st.just("postgres"), "custom": TEXT}),
                    min_size=1, max_size=3),
    max_size=4)


@settings(max_examples=100, deadline=None)
@given(CONNS, st.text(alphabet="abcdefgh_", min_size=1, max_size=4),
       st.text(alphabet="xyz", min_size=1, max_size=3), st.booleans())
def test_set_output_touches_only_its_target(connections, connection, target, make_default):
    data = sc.new_siteconfig("/p", "/c")
    data["connections"] = dict((name, {"target": sorted(outputs)[0], "outputs": outputs})
                               for name, outputs in connections.items())
    output = sc.build_output("postgres", dict(host="h", dbname="d", user="u", password="p",
                                              schema="s"))
    after = sc.set_output(data, connection, target, output, make_default)
    for name, conn in data["connections"].items():
        for tname, tout in conn["outputs"].items():
            if (name, tname) == (connection, target):
                assert after["connections"][name]["outputs"][tname]["custom"] == tout["custom"]
            else:
                assert after["connections"][name]["outputs"][tname] == tout
        if name != connection:
            assert after["connections"][name] == conn
        elif not make_default:
            assert after["connections"][name]["target"] == conn["target"]
    assert after["connections"][connection]["target"] == (
        target if make_default or connection not in data["connections"]
        else data["connections"][connection]["target"])
    assert sc.parse_siteconfig(sc.render_siteconfig(after)) == after
