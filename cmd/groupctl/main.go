// Command groupctl is groupd's command line for day-2 work: register users,
// create and inspect groups, manage members, import CSV files. It talks to
// a groupd server over the OpenIM API as an app admin.
//
//	export GROUPD_URL=http://localhost:10002 GROUPD_SECRET=$(cat groupd-data/secret)
//	groupctl user register --nickname Alice alice
//	groupctl group create --owner alice --name Team --members bob,carol
//	groupctl group info 2559217223
//	groupctl --json group members 2559217223
//	groupctl import users.csv
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"

	"github.com/groupd/groupd/client"
)

const usage = `groupctl talks to a groupd server as an app admin.

Usage: groupctl [global flags] COMMAND [flags] [arguments]

Global flags (anywhere on the line):
  --server URL          server address (GROUPD_URL; default http://localhost:10002)
  --secret S            admin secret (GROUPD_SECRET)
  --admin-user-id ID    admin user ID (GROUPD_ADMIN_USER_ID; default imAdmin)
  --json                print JSON for scripts instead of tables

Commands:
  user register [--nickname N] [--face-url U] [--ex E] ID...
  user info ID...
  user groups ID [--page N] [--size N]
  group create --owner ID --name NAME [--id ID] [--members a,b] [--admins c] [--need-verification 0|1|2]
  group info ID...
  group members ID [--page N] [--size N] [--keyword K]
  group search [--name SUBSTRING] [--id ID] [--page N] [--size N]
  group invite GROUP USER...
  group kick GROUP USER... [--reason R]
  group mute GROUP [USER --seconds N]
  group unmute GROUP [USER]
  group dismiss GROUP
  import users FILE.csv         columns: userID[,nickname,faceURL,ex] (header row)
  import memberships FILE.csv   columns: groupID,userID[,role] (role owner|admin|member)
  import FILE.csv               the kind is read from the header row
  events dead [--sink S] [--limit N]     event sinks and their dead letters (deliveries given up on)
  events replay [--sink S] (--all | EVENT_ID...)   deliver dead letters once more
  version

Imports show progress on stderr and end with a summary. Rows that fail (an
unknown user, a field too many, a broken quote) are listed by line, in line
order, and the exit status is 1; the good rows are imported. Rows already
done are left alone, so an import can be run again.

Exit status: 0 done, 1 failed (the error names what and the errCode), 2 a
wrong command line.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// errUsage marks a command line that is wrong; run prints the usage.
var errUsage = errors.New("usage")

// app is one invocation: the global options and the client.
type app struct {
	server, secret, adminUserID string
	json                        bool
	stdout, stderr              io.Writer
	c                           *client.Client
}

// run executes args and returns the exit code: 0 ok, 1 failed, 2 usage.
func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	a := &app{stdout: stdout, stderr: stderr}
	a.server = getenv("GROUPD_URL")
	if a.server == "" {
		a.server = "http://localhost:10002"
	}
	a.secret = getenv("GROUPD_SECRET")
	a.adminUserID = getenv("GROUPD_ADMIN_USER_ID")
	if a.adminUserID == "" {
		a.adminUserID = client.DefaultAdminUserID
	}
	err := a.dispatch(ctx, args)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage)
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintf(stderr, "groupctl: %v\n\n%s", err, usage)
		return 2
	}
	fmt.Fprintln(stderr, "groupctl:", explain(err))
	return 1
}

// flags returns a flag set with the global flags on it.
func (a *app) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&a.server, "server", a.server, "")
	fs.StringVar(&a.secret, "secret", a.secret, "")
	fs.StringVar(&a.adminUserID, "admin-user-id", a.adminUserID, "")
	fs.BoolVar(&a.json, "json", a.json, "")
	return fs
}

// parse parses flags and arguments in any order and returns the arguments.
func parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, fmt.Errorf("%w: %v", errUsage, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

func (a *app) dispatch(ctx context.Context, args []string) error {
	// The command words come first among the arguments; global flags may
	// stand before them.
	fs := a.flags("groupctl")
	var words []string
	for len(args) > 0 {
		if strings.HasPrefix(args[0], "-") {
			if err := fs.Parse(args); err != nil {
				if errors.Is(err, flag.ErrHelp) {
					return err
				}
				return fmt.Errorf("%w: %v", errUsage, err)
			}
			args = fs.Args()
			continue
		}
		words = append(words, args[0])
		args = args[1:]
		if len(words) == 2 || words[0] == "version" || words[0] == "help" {
			break
		}
	}
	if len(words) == 0 {
		return fmt.Errorf("%w: no command", errUsage)
	}
	cmd := strings.Join(words, " ")
	if words[0] == "import" && len(words) == 2 && strings.Contains(words[1], ".") {
		// "import FILE.csv": the kind comes from the header.
		cmd, args = "import", append([]string{words[1]}, args...)
	}
	h, ok := commands[cmd]
	if !ok {
		if cmd == "help" {
			return flag.ErrHelp
		}
		return fmt.Errorf("%w: unknown command %q", errUsage, cmd)
	}
	return h(ctx, a, args)
}

// connect makes the client once the flags are known.
func (a *app) connect() error {
	if a.secret == "" {
		return errors.New("no admin secret: pass --secret or set GROUPD_SECRET")
	}
	a.c = client.New(a.server, client.WithSecret(a.secret), client.WithAdminUserID(a.adminUserID))
	return nil
}

// command runs one command with its arguments.
type command func(ctx context.Context, a *app, args []string) error

var commands map[string]command

func init() {
	commands = map[string]command{
		"version":            cmdVersion,
		"user register":      cmdUserRegister,
		"user info":          cmdUserInfo,
		"user groups":        cmdUserGroups,
		"group create":       cmdGroupCreate,
		"group info":         cmdGroupInfo,
		"group members":      cmdGroupMembers,
		"group search":       cmdGroupSearch,
		"group invite":       cmdGroupInvite,
		"group kick":         cmdGroupKick,
		"group mute":         cmdGroupMute,
		"group unmute":       cmdGroupUnmute,
		"group dismiss":      cmdGroupDismiss,
		"import users":       cmdImportUsers,
		"import memberships": cmdImportMemberships,
		"import":             cmdImport,
		"events dead":        cmdEventsDead,
		"events replay":      cmdEventsReplay,
	}
}
