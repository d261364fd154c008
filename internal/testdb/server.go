package testdb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// server is a database server that tests create databases on: one named by
// an environment variable, or one this process started.
type server struct {
	admin    *sql.DB // connection with the right to create databases
	adminDSN string
	started  *process // nil for a server named by the environment
	startup  time.Duration
}

// process is a server this package started, with what it takes to stop it.
type process struct {
	name     string
	dir      string
	watchdog *exec.Cmd
	release  *os.File // closing it tells the watchdog to stop the server
}

// provider hands out the one server of a dialect per test process, started
// or connected on first use. A failure is kept too, so that every later test
// fails at once with the same explanation instead of retrying a slow start.
type provider struct {
	envVar  string
	connect func(dsn string) (*server, error)
	start   func() (*server, error)

	once sync.Once
	srv  *server
	err  error
}

// get returns the server; started tells whether this call started it, so
// that the one test that waited for the start can log how long it took.
func (p *provider) get() (srv *server, started bool, err error) {
	p.once.Do(func() {
		if dsn := os.Getenv(p.envVar); dsn != "" {
			p.srv, p.err = p.connect(dsn)
			if p.err != nil {
				p.err = fmt.Errorf("%s: %w", p.envVar, p.err)
				return
			}
			registerServer(p.srv)
			return
		}
		begin := time.Now()
		p.srv, p.err = p.start()
		if p.err == nil {
			p.srv.startup = time.Since(begin)
			registerServer(p.srv)
			started = true
		}
	})
	return p.srv, started, p.err
}

// newDatabase creates a database for t on the provider's server and returns
// its DSN; the database is dropped when t ends.
func (p *provider) newDatabase(t testing.TB, create func(*server, string) (string, error), drop func(*server, string) error) string {
	t.Helper()
	srv, started, err := p.get()
	if err != nil {
		t.Fatalf("testdb: %v", err)
	}
	if started {
		t.Logf("testdb: %s started in %v", srv.started.name, srv.startup.Round(time.Millisecond))
	}
	name := randomName()
	dsn, err := create(srv, name)
	if err != nil {
		t.Fatalf("testdb: create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		if err := drop(srv, name); err != nil {
			t.Errorf("testdb: drop database %s: %v", name, err)
		}
	})
	return dsn
}

var (
	serversMu sync.Mutex
	servers   []*server
)

func registerServer(s *server) {
	serversMu.Lock()
	defer serversMu.Unlock()
	servers = append(servers, s)
}

// stopServers closes the admin connections and stops the servers this
// process started, waiting until their directories are gone.
func stopServers() error {
	serversMu.Lock()
	defer serversMu.Unlock()
	var errs []error
	for _, s := range servers {
		if s.admin != nil {
			s.admin.Close()
		}
		if s.started != nil {
			if err := s.started.stop(); err != nil {
				errs = append(errs, err)
			}
		}
	}
	servers = nil
	return errors.Join(errs...)
}

// stop has the watchdog stop the server and remove its directory, the same
// path it takes when the test process dies.
func (p *process) stop() error {
	p.release.Close()
	done := make(chan error, 1)
	go func() { done <- p.watchdog.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("stop %s: watchdog: %v (its directory %s may remain)", p.name, err, p.dir)
		}
	case <-time.After(30 * time.Second):
		return fmt.Errorf("stop %s: watchdog still running after 30s (directory %s)", p.name, p.dir)
	}
	if _, err := os.Stat(p.dir); !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("stop %s: directory %s still exists", p.name, p.dir)
	}
	return nil
}

// startWatchdog starts, as account acct, a shell that waits for EOF on a pipe
// and then runs script with the given arguments. The shell has its own
// session so that a Ctrl-C or hangup meant for the tests does not cut its
// cleanup short. Its output goes to /dev/null: when it runs, nobody is left
// to read it, and a pipe back to a dead parent would kill it with SIGPIPE.
func startWatchdog(acct *account, script string, args ...string) (*exec.Cmd, *os.File, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	full := "trap '' HUP INT\ncat >/dev/null 2>&1\n" + script
	cmd := acct.command("/bin/sh", append([]string{"-c", full, "testdb-watchdog"}, args...)...)
	cmd.Stdin = r
	cmd.SysProcAttr.Setsid = true
	if err := cmd.Start(); err != nil {
		r.Close()
		w.Close()
		return nil, nil, fmt.Errorf("start watchdog: %w", err)
	}
	r.Close()
	return cmd, w, nil
}

// account is the OS user that a server runs as. Database servers refuse to
// run as root, so as root they run as their own system user; otherwise as
// the current user.
type account struct {
	name string
	cred *syscall.Credential // nil: run as the current user
	uid  int
	gid  int
}

func lookupAccount(name string) (*account, error) {
	if os.Geteuid() != 0 {
		return &account{uid: os.Getuid(), gid: os.Getgid()}, nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("running as root, so the server must run as user %q: %w", name, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	cred := &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			if n, err := strconv.Atoi(g); err == nil {
				cred.Groups = append(cred.Groups, uint32(n))
			}
		}
	}
	return &account{name: name, cred: cred, uid: uid, gid: gid}, nil
}

// command prepares a command that runs as the account. It switches user
// through the process credentials rather than runuser so that the pid Go
// holds is the server's own, not that of an intermediate that would leave
// the server behind if it were killed.
func (a *account) command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: a.cred}
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANG=C")
	return cmd
}

// chown gives the account files this process created for it.
func (a *account) chown(paths ...string) error {
	if a.cred == nil {
		return nil
	}
	for _, p := range paths {
		if err := os.Chown(p, a.uid, a.gid); err != nil {
			return err
		}
	}
	return nil
}

// makeDir creates the private directory of a server, owned by the account.
// It is directly under the system temp dir, not t.TempDir(), because the
// server outlives any one test and unix socket paths must stay short.
func makeDir(acct *account, prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", err
	}
	if err := acct.chown(dir); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	return dir, nil
}

// freePort returns a loopback TCP port that was free a moment ago. Another
// process may take it before the server binds it, so callers retry a failed
// start on a new port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// run runs cmd with its output appended to the log file at logPath.
func run(cmd *exec.Cmd, logPath string) error {
	f, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "\n$ %s\n", strings.Join(cmd.Args, " "))
	cmd.Stdout = f
	cmd.Stderr = f
	return cmd.Run()
}

// logTail returns the last lines of the startup log files, for error messages.
func logTail(paths ...string) string {
	var b strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
		if len(lines) > 15 {
			lines = lines[len(lines)-15:]
		}
		fmt.Fprintf(&b, "\n--- last lines of %s ---\n%s", p, bytes.Join(lines, []byte("\n")))
	}
	return b.String()
}

// portTaken tells whether what a server logged after offset says its port
// was in use, the one startup failure worth retrying on another port.
func portTaken(logPath string, offset int64) bool {
	data, _ := os.ReadFile(logPath)
	if offset > int64(len(data)) {
		offset = 0
	}
	s := string(data[offset:])
	return strings.Contains(s, "Address already in use") || strings.Contains(s, "Can't start server: Bind")
}

// fileSize is the size of the file at path, 0 if it does not exist.
func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}

// waitReady pings db until it answers, the process exits or the timeout
// passes.
func waitReady(db *sql.DB, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		err := db.PingContext(ctx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-exited:
			return errors.New("server exited during startup")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server not accepting connections after %v: %w", timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
