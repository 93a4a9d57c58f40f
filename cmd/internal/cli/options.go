package cli

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"

	"github.com/fetchd/fetchd/engine"
	"github.com/fetchd/fetchd/engine/task"
)

// options are the daemon's flags; each has an environment twin FETCHD_<NAME>.
type options struct {
	addr          string
	dataDir       string
	downloadDir   string
	maxConcurrent int
	maxRetries    int
	token         string
	origins       string
	hosts         string
	logLevel      string
	logFormat     string
	version       bool
	pprof         bool
	caCert        string
	insecureTLS   bool
	userAgent     string
	natsListen    string
	natsURL       string

	set map[string]bool // flags given on the command line or in the environment
}

const usageHead = `fetchd downloads files over HTTP(S) and streams every change to its clients.

Usage:
  fetchd [flags]            run the daemon
  fetchd <command> [args]   talk to a running daemon: add, ls, pause, resume,
                            cancel, retry, rm, watch, settings, stats,
                            version (see: fetchd help)

Every flag can also be set in the environment: --max-concurrent is FETCHD_MAX_CONCURRENT.

Flags:
`

// parseOptions reads args, then the environment for any flag args left unset.
func parseOptions(args []string, getenv func(string) string, stderr io.Writer) (*options, error) {
	o := &options{set: map[string]bool{}}
	fs := flag.NewFlagSet("fetchd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.addr, "addr", "127.0.0.1:8484", "serve REST, WebSocket and the page on `ADDR` (host:port)")
	fs.StringVar(&o.dataDir, "data-dir", "./data", "keep the embedded store in `DIR`")
	fs.StringVar(&o.downloadDir, "download-dir", "./downloads", "put downloaded files in `DIR`")
	fs.IntVar(&o.maxConcurrent, "max-concurrent", task.DefaultSettings().MaxConcurrent, "run at most `N` downloads at once (stored; PUT /api/settings changes it at run time)")
	fs.IntVar(&o.maxRetries, "max-retries", task.DefaultSettings().MaxRetries, "retry a download at most `N` times before it fails (stored)")
	fs.StringVar(&o.token, "token", "", "require `TOKEN` on the API and WebSocket (Authorization: Bearer, X-Api-Key or ?token=)")
	fs.StringVar(&o.origins, "allowed-origins", "", "browser `ORIGINS` (comma-separated https://host:port), besides the daemon's own, that may open the WebSocket and change state; * for any")
	fs.StringVar(&o.hosts, "allowed-hosts", "", "`HOSTS` (comma-separated names), besides IP addresses, localhost and the --addr host, that browsers may reach the daemon by; * for any")
	fs.StringVar(&o.logLevel, "log-level", "info", "log at `LEVEL`: trace, debug, info, warn or error")
	fs.StringVar(&o.logFormat, "log-format", "json", "log lines as `FORMAT`: json or console (coloured on a terminal)")
	fs.BoolVar(&o.pprof, "pprof", false, "serve runtime profiles at /debug/pprof (behind --token when set)")
	fs.StringVar(&o.caCert, "ca-cert", "", "trust the PEM certificates in `FILE` for origins, besides the system's")
	fs.BoolVar(&o.insecureTLS, "insecure-tls", false, "do not check origins' TLS certificates (unsafe)")
	fs.StringVar(&o.userAgent, "user-agent", "fetchd/"+engine.Version, "send `UA` as the User-Agent to origins unless a task sets its own")
	fs.StringVar(&o.natsListen, "nats-listen", "", "run an embedded NATS server on `HOST:PORT` and put the live stream on it for gateways (fetchd gateway)")
	fs.StringVar(&o.natsURL, "nats-url", "", "put the live stream for gateways on the NATS server or cluster at `URL` (nats://host:port)")
	fs.BoolVar(&o.version, "version", false, "print the version and exit")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), usageHead)
		printFlags(fs.Output(), fs, func(f *flag.Flag) string {
			note := "env " + envName(f.Name)
			if f.DefValue != "" && f.DefValue != "false" {
				note = "default " + f.DefValue + "; " + note
			}
			if f.Name == "version" {
				return ""
			}
			return note
		})
	}
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	fs.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		env := envName(f.Name)
		v := getenv(env)
		if err != nil || o.set[f.Name] || v == "" || f.Name == "version" {
			return
		}
		if serr := fs.Set(f.Name, v); serr != nil {
			err = fmt.Errorf("%s=%q: %v", env, v, serr)
			return
		}
		o.set[f.Name] = true
	})
	if err != nil {
		return nil, err
	}
	if o.logFormat != "json" && o.logFormat != "console" {
		return nil, fmt.Errorf("--log-format must be json or console, got %q", o.logFormat)
	}
	if o.natsListen != "" && o.natsURL != "" {
		return nil, fmt.Errorf("--nats-listen runs a NATS server and --nats-url uses another: give one of them")
	}
	return o, nil
}

// envName is a flag's environment twin.
func envName(flagName string) string {
	return "FETCHD_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// allowedOrigins splits --allowed-origins.
func (o *options) allowedOrigins() []string { return commaList(o.origins) }

// allowedHosts splits --allowed-hosts and adds the host --addr names, which
// is how the operator reaches the daemon.
func (o *options) allowedHosts() []string {
	hosts := commaList(o.hosts)
	if h, _, err := net.SplitHostPort(o.addr); err == nil && h != "" {
		hosts = append(hosts, h)
	}
	return hosts
}

func commaList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// settings are the overrides the user gave; the rest come from the store.
func (o *options) settings() task.SettingsPatch {
	var p task.SettingsPatch
	if o.set["max-concurrent"] {
		p.MaxConcurrent = &o.maxConcurrent
	}
	if o.set["max-retries"] {
		p.MaxRetries = &o.maxRetries
	}
	return p
}

func getenv(k string) string { return os.Getenv(k) }
