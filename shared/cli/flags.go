package cli

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// command is one subcommand's help: what `atlas-backup <name> --help` prints.
type command struct {
	name string
	// args are the positional arguments, as in the usage line ("<backup-id>").
	args    string
	summary string
	// example is one or more command lines that work as printed (the config path aside).
	example string
}

var commands = []command{
	{name: "backup", summary: "take a backup (resumes an interrupted one of the same id)",
		example: "atlas-backup backup --config /etc/atlas-backup/prod.yaml\natlas-backup backup --config prod.yaml --trigger pre-upgrade --detail CHG-4711"},
	{name: "list", summary: "list the cluster's backups",
		example: "atlas-backup list --config prod.yaml --output json"},
	{name: "describe", args: "<backup-id>", summary: "show one backup's manifest",
		example: "atlas-backup describe 20261125T151200Z-0a1b2c --config prod.yaml"},
	{name: "verify", args: "<backup-id>", summary: "re-download every object and check its size and SHA-256",
		example: "atlas-backup verify 20261125T151200Z-0a1b2c --config prod.yaml"},
	{name: "restore", args: "<backup-id>", summary: "put a backup back (stop Atlas first)",
		example: "atlas-backup restore 20261125T151200Z-0a1b2c --config prod.yaml --only solr --suffix _restored\natlas-backup restore 20261125T151200Z-0a1b2c --config prod.yaml --yes"},
	{name: "drill", args: "<backup-id>", summary: "restore into scratch names, compare with the manifest, drop them",
		example: "atlas-backup drill 20261125T151200Z-0a1b2c --config prod.yaml"},
	{name: "forget", summary: "apply the retention policy (retention in the config): which backups stay, and delete the others",
		example: "atlas-backup forget --config prod.yaml --dry-run\natlas-backup forget --config prod.yaml --prune"},
	{name: "unlock", summary: "release a stale cluster lock (--force: a live one too)",
		example: "atlas-backup unlock --config prod.yaml"},
	{name: "agent archive-config", summary: "the host agent (run by SSM on the Atlas host): archive a folder into the store",
		example: "atlas-backup agent archive-config --dir /etc/atlas/conf --store s3://my-backups/atlas \\\n  --key atlas/prod/20261125T151200Z-0a1b2c/config/atlas-conf.tar.gz"},
	{name: "version", summary: "print the version", example: "atlas-backup version"},
}

func commandHelp(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// globalFlags registers the global flags on fs, bound to a's fields, so they are
// accepted before the command (`atlas-backup --config x backup`) and after it
// (`atlas-backup backup --config x`), as restic, velero and kubectl do.
func (a *app) globalFlags(fs *flag.FlagSet) {
	fs.StringVar(&a.configPath, "config", a.configPath, "cluster config `file` (default $ATLAS_BACKUP_CONFIG, then ./atlas-backup.yaml)")
	fs.StringVar(&a.output, "output", a.output, "output `format`: text or json")
	fs.StringVar(&a.logFile, "log-file", a.logFile, "JSON log `file` (default <workDir>/atlas-backup.log); - for stderr")
}

// parse parses a subcommand's flags and positional arguments in any order (flags may
// come before or after the arguments; `--` ends the flags). --help prints the
// command's flags and example on stdout and returns ExitOK with ok false; a usage
// error prints them on stderr and returns ExitUsage.
func (a *app) parse(name string, fs *flag.FlagSet, args []string) (pos []string, code int, ok bool) {
	a.globalFlags(fs)
	var buf bytes.Buffer
	fs.SetOutput(&buf)
	fs.Usage = func() { a.printHelp(&buf, name, fs) }
	pos, err := parseMixed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		io.Copy(a.stdout, &buf)
		return nil, ExitOK, false
	}
	if err != nil {
		io.Copy(a.stderr, &buf)
		return nil, ExitUsage, false
	}
	if a.output != "text" && a.output != "json" {
		a.errorf("--output must be text or json, got %q", a.output)
		return nil, ExitUsage, false
	}
	return pos, ExitOK, true
}

func (a *app) printHelp(w io.Writer, name string, fs *flag.FlagSet) {
	c, _ := commandHelp(name)
	fmt.Fprintf(w, "atlas-backup %s: %s\n\nUsage:\n  atlas-backup %s [flags]", c.name, c.summary, c.name)
	if c.args != "" {
		fmt.Fprintf(w, " %s", c.args)
	}
	fmt.Fprint(w, "\n\nFlags:\n")
	global := map[string]bool{"config": true, "output": true, "log-file": true}
	fs.VisitAll(func(f *flag.Flag) {
		if !global[f.Name] {
			printFlag(w, f)
		}
	})
	fmt.Fprint(w, "\nGlobal flags (before or after the command):\n")
	fs.VisitAll(func(f *flag.Flag) {
		if global[f.Name] {
			printFlag(w, f)
		}
	})
	fmt.Fprint(w, "\nExample:\n")
	for _, l := range strings.Split(c.example, "\n") {
		fmt.Fprintf(w, "  %s\n", l)
	}
}

func printFlag(w io.Writer, f *flag.Flag) {
	arg, usage := flag.UnquoteUsage(f)
	head := "  --" + f.Name
	if arg != "" {
		head += " " + arg
	}
	def := ""
	if f.DefValue != "" && f.DefValue != "false" {
		def = fmt.Sprintf(" (default %s)", f.DefValue)
	}
	fmt.Fprintf(w, "%-26s %s%s\n", head, usage, def)
}

// parseMixed parses flags that may come before or after the positional arguments
// (`restore ID --yes` as well as `restore --yes ID`).
func parseMixed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if n := len(args) - len(rest); n > 0 && args[n-1] == "--" {
			return append(pos, rest...), nil // after "--" everything is an argument
		}
		if len(rest) == 0 {
			return pos, nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}
