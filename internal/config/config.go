// Package config reads Attest's settings from environment variables and validates them at start.
package config

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// Config is every setting the server needs. Zero values never reach the server: Load fills
// defaults and rejects what is invalid with a message naming the variable to set.
type Config struct {
	DatabaseURL    string        // DATABASE_URL
	Addr           string        // ATTEST_ADDR
	BaseURL        string        // ATTEST_BASE_URL, used in e-mailed links
	Env            string        // ATTEST_ENV: development or production
	SessionIdle    time.Duration // ATTEST_SESSION_IDLE
	SessionMaxAge  time.Duration // ATTEST_SESSION_MAX_AGE
	SecureCookies  bool          // ATTEST_SECURE_COOKIES (default true in production)
	MaxBodyBytes   int64         // ATTEST_MAX_FORM_BYTES: limit for ordinary form posts
	MaxUploadBytes int64         // ATTEST_MAX_UPLOAD_BYTES: limit per evidence file
	BlobBackend    string        // ATTEST_BLOB_BACKEND: local or s3
	BlobDir        string        // ATTEST_BLOB_DIR
	S3Endpoint     string        // ATTEST_S3_ENDPOINT
	S3Bucket       string        // ATTEST_S3_BUCKET
	S3AccessKey    string        // ATTEST_S3_ACCESS_KEY
	S3SecretKey    string        // ATTEST_S3_SECRET_KEY
	S3Region       string        // ATTEST_S3_REGION
	S3UseSSL       bool          // ATTEST_S3_USE_SSL
	SMTPHost       string        // ATTEST_SMTP_HOST; empty means mail goes to the log
	SMTPPort       int           // ATTEST_SMTP_PORT
	SMTPUser       string        // ATTEST_SMTP_USER
	SMTPPassword   string        // ATTEST_SMTP_PASSWORD
	MailFrom       string        // ATTEST_MAIL_FROM
	TrustedProxies []*net.IPNet  // ATTEST_TRUSTED_PROXIES: proxies whose X-Forwarded-For names the client
	// MigrateDatabaseURL (ATTEST_MIGRATE_DATABASE_URL) connects as the schema's owner, for
	// migrations; DatabaseURL then connects as the least-privilege application role.
	MigrateDatabaseURL string
	// AuditKeyFile (ATTEST_AUDIT_KEY_FILE) holds the Ed25519 key that signs audit checkpoints;
	// development defaults to .data/audit-key.pem (generated), production requires it.
	AuditKeyFile string

	// BoilerplateThreshold is the share of identical text (0.5–1) from which a text is
	// near-identical to another client's (ATTEST_BOILERPLATE_THRESHOLD, default 0.9).
	BoilerplateThreshold float64
	// SigningCertFile and SigningKeyFile name the PEM files of the firm's certificate and private
	// key (ATTEST_SIGNING_CERT, ATTEST_SIGNING_KEY); with both set, issued PDFs are signed.
	SigningCertFile string
	SigningKeyFile  string
	// ReportWordingDir holds the firm's own report wording templates (ATTEST_REPORT_WORDING_DIR).
	ReportWordingDir string
	// PprofAddr (ATTEST_PPROF_ADDR), when set, serves Go's profiler on this loopback address,
	// for measuring where a page's time goes (docs/performance.md). Off by default.
	PprofAddr string
}

// Production reports whether the server runs with production settings (JSON logs, secure cookies).
func (c Config) Production() bool { return c.Env == "production" }

// Load reads the environment through getenv (os.Getenv in production, a map in tests).
func Load(getenv func(string) string) (Config, error) {
	var errs []string
	str := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	dur := func(key string, def time.Duration) time.Duration {
		v := str(key, "")
		if v == "" {
			return def
		}
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Sprintf("%s=%q is not a duration: set it like 30m or 12h", key, v))
			return def
		}
		return d
	}
	size := func(key string, def int64) int64 {
		v := str(key, "")
		if v == "" {
			return def
		}
		n, err := ParseSize(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s=%q: %v", key, v, err))
			return def
		}
		return n
	}
	boolean := func(key string, def bool) bool {
		v := str(key, "")
		if v == "" {
			return def
		}
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Sprintf("%s=%q: set true or false", key, v))
			return def
		}
		return b
	}
	c := Config{
		DatabaseURL: str("DATABASE_URL", ""),
		Addr:        str("ATTEST_ADDR", "127.0.0.1:8080"),
		Env:         str("ATTEST_ENV", "development"),
	}
	if c.Env != "development" && c.Env != "production" {
		errs = append(errs, fmt.Sprintf("ATTEST_ENV=%q: set development or production", c.Env))
	}
	c.BaseURL = strings.TrimRight(str("ATTEST_BASE_URL", "http://"+c.Addr), "/")
	if c.Production() {
		// The project-local database and a base URL guessed from the listen address are for
		// development; in production both must be deliberate.
		if c.DatabaseURL == "" {
			errs = append(errs, "DATABASE_URL must be set when ATTEST_ENV=production: set it to the PostgreSQL connection string, e.g. postgres://attest:PASSWORD@db:5432/attest")
		}
		if getenv("ATTEST_BASE_URL") == "" {
			errs = append(errs, "ATTEST_BASE_URL must be set when ATTEST_ENV=production: set it to the address people open, e.g. https://attest.firm.example (e-mailed links use it)")
		}
	}
	c.SessionIdle = dur("ATTEST_SESSION_IDLE", 60*time.Minute)
	c.SessionMaxAge = dur("ATTEST_SESSION_MAX_AGE", 12*time.Hour)
	c.SecureCookies = boolean("ATTEST_SECURE_COOKIES", c.Production())
	c.MaxBodyBytes = size("ATTEST_MAX_FORM_BYTES", 2<<20)
	c.MaxUploadBytes = size("ATTEST_MAX_UPLOAD_BYTES", 200<<20)
	c.PprofAddr = str("ATTEST_PPROF_ADDR", "")
	if c.PprofAddr != "" {
		// The profiler shows the server's memory and goroutines: never on a public interface.
		if host, _, err := net.SplitHostPort(c.PprofAddr); err != nil || !(host == "localhost" || net.ParseIP(host).IsLoopback()) {
			errs = append(errs, fmt.Sprintf("ATTEST_PPROF_ADDR=%q: set a loopback address such as 127.0.0.1:6060", c.PprofAddr))
		}
	}
	c.BlobBackend = str("ATTEST_BLOB_BACKEND", "local")
	c.BlobDir = str("ATTEST_BLOB_DIR", ".data/evidence")
	c.MigrateDatabaseURL = str("ATTEST_MIGRATE_DATABASE_URL", "")
	if c.Production() {
		c.AuditKeyFile = str("ATTEST_AUDIT_KEY_FILE", "")
	} else {
		c.AuditKeyFile = str("ATTEST_AUDIT_KEY_FILE", ".data/audit-key.pem")
	}
	c.ReportWordingDir = str("ATTEST_REPORT_WORDING_DIR", "")
	c.S3Endpoint = str("ATTEST_S3_ENDPOINT", "")
	c.S3Bucket = str("ATTEST_S3_BUCKET", "")
	c.S3AccessKey = str("ATTEST_S3_ACCESS_KEY", "")
	c.S3SecretKey = str("ATTEST_S3_SECRET_KEY", "")
	c.S3Region = str("ATTEST_S3_REGION", "us-east-1")
	c.S3UseSSL = boolean("ATTEST_S3_USE_SSL", true)
	c.SMTPHost = str("ATTEST_SMTP_HOST", "")
	c.SMTPUser = str("ATTEST_SMTP_USER", "")
	c.SMTPPassword = str("ATTEST_SMTP_PASSWORD", "")
	c.MailFrom = str("ATTEST_MAIL_FROM", "attest@localhost")
	port, err := strconv.Atoi(str("ATTEST_SMTP_PORT", "587"))
	if err != nil || port <= 0 || port > 65535 {
		errs = append(errs, "ATTEST_SMTP_PORT must be a port number such as 587")
	}
	c.SMTPPort = port
	switch c.BlobBackend {
	case "local":
	case "s3":
		for key, v := range map[string]string{"ATTEST_S3_ENDPOINT": c.S3Endpoint, "ATTEST_S3_BUCKET": c.S3Bucket,
			"ATTEST_S3_ACCESS_KEY": c.S3AccessKey, "ATTEST_S3_SECRET_KEY": c.S3SecretKey} {
			if v == "" {
				errs = append(errs, key+" must be set when ATTEST_BLOB_BACKEND=s3")
			}
		}
	default:
		errs = append(errs, fmt.Sprintf("ATTEST_BLOB_BACKEND=%q: set local or s3", c.BlobBackend))
	}
	for _, raw := range strings.Split(str("ATTEST_TRUSTED_PROXIES", ""), ",") {
		if raw = strings.TrimSpace(raw); raw == "" {
			continue
		}
		ipnet, err := parseRange(raw)
		if err != nil {
			errs = append(errs, fmt.Sprintf("ATTEST_TRUSTED_PROXIES: %q is not an address or range: set addresses or CIDR ranges separated by commas, e.g. 10.0.0.5,172.16.0.0/12", raw))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, ipnet)
	}
	c.BoilerplateThreshold = 0.9
	if v := str("ATTEST_BOILERPLATE_THRESHOLD", ""); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < 0.5 || f > 1 {
			errs = append(errs, fmt.Sprintf("ATTEST_BOILERPLATE_THRESHOLD=%q: set a share between 0.5 and 1, e.g. 0.9", v))
		} else {
			c.BoilerplateThreshold = f
		}
	}
	c.SigningCertFile = str("ATTEST_SIGNING_CERT", "")
	c.SigningKeyFile = str("ATTEST_SIGNING_KEY", "")
	if (c.SigningCertFile == "") != (c.SigningKeyFile == "") {
		errs = append(errs, "ATTEST_SIGNING_CERT and ATTEST_SIGNING_KEY go together: set both PEM files (certificate and private key) or neither")
	}
	if c.SessionIdle > c.SessionMaxAge {
		errs = append(errs, "ATTEST_SESSION_IDLE must not exceed ATTEST_SESSION_MAX_AGE")
	}
	if len(errs) > 0 {
		return c, errors.New("configuration is invalid:\n  " + strings.Join(errs, "\n  "))
	}
	return c, nil
}

// parseRange reads a CIDR range or a single address (a range of one).
func parseRange(s string) (*net.IPNet, error) {
	if strings.Contains(s, "/") {
		_, ipnet, err := net.ParseCIDR(s)
		return ipnet, err
	}
	ip := net.ParseIP(s)
	if ip == nil {
		return nil, errors.New("not an IP address")
	}
	bits := 128
	if ip.To4() != nil {
		ip, bits = ip.To4(), 32
	}
	return &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)}, nil
}

// ParseSize reads a byte size such as 200MB, 512KiB or 1048576.
func ParseSize(s string) (int64, error) {
	s = strings.ToUpper(strings.TrimSpace(s))
	units := []struct {
		suffix string
		mult   int64
	}{{"GIB", 1 << 30}, {"MIB", 1 << 20}, {"KIB", 1 << 10}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}}
	mult := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSpace(strings.TrimSuffix(s, u.suffix)), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return 0, errors.New("set a positive size such as 200MB")
	}
	return n * mult, nil
}
