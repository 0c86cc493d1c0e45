"""What the safety suite counts, and the totals it prints at the end of a pytest run (quoted in
the README). Every test of the suite adds to these as it goes; tests/integration/safety/conftest.py
prints them. Only what actually ran is counted, so a partial run prints partial totals."""


class Totals:
    def __init__(self):
        self.bad_inputs = 0          # malformed inputs tried
        self.bad_inputs_clean = 0    # ... that ended in a clear error with nothing written
        self.faults = 0              # faults injected (killed runs, dropped connections, failing statements, ...)
        self.faults_converged = 0    # ... after which the next run converged with nothing lost
        self.secret_values = set()   # distinct secret values planted
        self.sources = 0             # outputs, logs and files scanned for them
        self.bytes = 0
        self.leaks = []              # (secret label, source) for every occurrence found
        self.identifiers = 0         # generated names sent through profiles_grants
        self.identifiers_granted = 0  # ... accepted, granted on and read back unchanged
        self.unquoted = []           # statements in the server log with an unquoted user value
        self.races = 0               # concurrent runs against one warehouse or one file
        self.races_converged = 0
        self.check_runs = 0          # onboard.yml --check runs compared with snapshots
        self.check_changes = []      # what those runs changed on disk or in the warehouse

    def lines(self):
        out = []
        if self.bad_inputs:
            out.append("bad inputs tried: %d, rejected with a clear message and nothing written: %d"
                       % (self.bad_inputs, self.bad_inputs_clean))
        if self.faults:
            out.append("faults injected: %d, converged on the next run with nothing lost: %d"
                       % (self.faults, self.faults_converged))
        if self.sources:
            out.append("secrets scanned: %d values in %d outputs, logs and files (%.1f MB): %d leaks"
                       % (len(self.secret_values), self.sources, self.bytes / 1e6, len(self.leaks)))
        if self.identifiers:
            out.append("identifiers fuzzed against PostgreSQL: %d (%d granted and read back), "
                       "statements with an unquoted user value: %d"
                       % (self.identifiers, self.identifiers_granted, len(self.unquoted)))
        if self.races:
            out.append("concurrent runs: %d, converged: %d" % (self.races, self.races_converged))
        if self.check_runs:
            out.append("onboard.yml --check runs: %d, changes on disk or in the warehouse: %d"
                       % (self.check_runs, len(self.check_changes)))
        return out


TOTALS = Totals()
