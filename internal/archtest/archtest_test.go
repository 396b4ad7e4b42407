// Package archtest checks the one-way rules between Attest's packages (docs/architecture.md):
// web -> policy -> domain -> audit. Domain packages never import policy, web or templates, and
// internal/web holds no SQL (it asks domain services). It reads the source with go/parser, so it
// needs no database and runs in milliseconds as part of `make test`.
package archtest

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/attest-soc/attest"

// root is the repository root, two levels above this package.
var root = filepath.Join("..", "..")

// layers above the domain: packages that may import policy, web and templates.
var aboveDomain = map[string]bool{
	"internal/web":  true, // routes, middleware, handlers (and its test helpers below it)
	"internal/cli":  true, // `attest serve` builds the web server
	"internal/seed": true, // demo data drives domain services and may grow to use anything
}

// forbidden are the imports a domain package must not have.
var forbidden = []string{module + "/internal/policy", module + "/internal/web", module + "/templates"}

// sourceFiles parses the non-test Go files of dir (not its subfolders).
func sourceFiles(t *testing.T, dir string) map[string]*ast.File {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("reading %s: %v", dir, err)
	}
	files := map[string]*ast.File{}
	fset := token.NewFileSet()
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, parser.ImportsOnly|parser.ParseComments)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		files[name] = f
	}
	return files
}

// packageDirs lists every folder under internal/ that holds Go source, relative to the root.
func packageDirs(t *testing.T) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(filepath.Join(root, "internal"), func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(path, ".go") {
			rel, _ := filepath.Rel(root, filepath.Dir(path))
			seen[filepath.ToSlash(rel)] = true
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for d := range seen {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	return dirs
}

func isAboveDomain(dir string) bool {
	for p := range aboveDomain {
		if dir == p || strings.HasPrefix(dir, p+"/") {
			return true
		}
	}
	return false
}

// TestDomainPackagesDoNotImportPolicyWebOrTemplates: the domain decides nothing about who may act
// (policy does) and knows nothing of pages (web and templates do).
func TestDomainPackagesDoNotImportPolicyWebOrTemplates(t *testing.T) {
	dirs := packageDirs(t)
	checked := 0
	for _, dir := range dirs {
		if isAboveDomain(dir) || dir == "internal/policy" || dir == "internal/archtest" {
			continue
		}
		checked++
		for name, f := range sourceFiles(t, filepath.Join(root, dir)) {
			for _, imp := range f.Imports {
				path, _ := strconv.Unquote(imp.Path.Value)
				for _, bad := range forbidden {
					if path == bad || strings.HasPrefix(path, bad+"/") {
						t.Errorf("%s/%s imports %s: domain packages never import policy, web or templates (docs/architecture.md)", dir, name, path)
					}
				}
			}
		}
	}
	if checked < 10 {
		t.Fatalf("checked only %d domain packages: is the test looking at the right folder?", checked)
	}
}

// TestPolicyImportsNoDomainService: policy decides from a Resource, not from the database.
func TestPolicyImportsNoDomainService(t *testing.T) {
	allowed := map[string]bool{module + "/internal/apperr": true, module + "/internal/auth": true}
	for name, f := range sourceFiles(t, filepath.Join(root, "internal/policy")) {
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if strings.HasPrefix(path, module+"/") && !allowed[path] {
				t.Errorf("internal/policy/%s imports %s: the policy decides from the Resource the route resolved", name, path)
			}
		}
	}
}

// sqlLiteral matches the statements a string literal would carry if it were SQL (the project
// writes SQL keywords in capitals; prose such as "Select the file" does not match).
var sqlLiteral = regexp.MustCompile(`(?s)\b(SELECT\b.+\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM)\b`)

// gormQueryMethods are the gorm calls that build or run SQL.
var gormQueryMethods = map[string]bool{"Raw": true, "Exec": true, "Where": true, "Joins": true, "Table": true, "Model": true}

// TestWebHoldsNoSQL: handlers, scopes and view code reach the database only through domain
// services, so every query has one home and one test.
func TestWebHoldsNoSQL(t *testing.T) {
	dir := filepath.Join(root, "internal/web")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	parsed := 0
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, name), nil, 0)
		if err != nil {
			t.Fatalf("parsing %s: %v", name, err)
		}
		parsed++
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind == token.STRING && sqlLiteral.MatchString(n.Value) {
					t.Errorf("%s: SQL in internal/web: %.80s — move the query to the domain package that owns the table", fset.Position(n.Pos()), n.Value)
				}
			case *ast.CallExpr:
				if sel, ok := n.Fun.(*ast.SelectorExpr); ok && gormQueryMethods[sel.Sel.Name] {
					t.Errorf("%s: gorm query builder .%s in internal/web — move the query to a domain service", fset.Position(n.Pos()), sel.Sel.Name)
				}
			}
			return true
		})
	}
	if parsed < 20 {
		t.Fatalf("parsed only %d files of internal/web", parsed)
	}
}

// TestRulesCatchViolations proves the checks above can fail: the SQL pattern matches the
// shapes of query that used to live in internal/web, and not ordinary prose.
func TestRulesCatchViolations(t *testing.T) {
	for _, q := range []string{
		"`SELECT engagement_id FROM tests WHERE id = ?`",
		"`\n\t\tSELECT e.client_id, e.status\n\t\tFROM engagements e`",
		"`UPDATE tests SET result = ?`",
		"`DELETE FROM samples WHERE id = ?`",
		"`INSERT INTO clients (name) VALUES (?)`",
	} {
		if !sqlLiteral.MatchString(q) {
			t.Errorf("the SQL check misses %s", q)
		}
	}
	for _, s := range []string{`"Select the controls from the list"`, `"Update the settings"`, `"Delete from the team"`, `"SELECT"`} {
		if sqlLiteral.MatchString(s) {
			t.Errorf("the SQL check flags prose %s", s)
		}
	}
}

// notCapabilities hold the plumbing beneath the domain: opening and migrating the database, the
// job queue, and the scale and load tooling that drives a whole server.
var notCapabilities = map[string]bool{"internal/db": true, "internal/jobs": true, "internal/scaletest": true, "internal/loadtest": true}

// packageLevelDBFuncs lists the exported functions (not methods, not New… constructors) of the
// Go source src that take a *gorm.DB under any name but tx. A function taking tx runs inside its
// caller's transaction; one taking its own connection is a capability entry point that belongs
// on the package's Service.
func packageLevelDBFuncs(t *testing.T, fset *token.FileSet, name string, src any) []string {
	t.Helper()
	f, err := parser.ParseFile(fset, name, src, 0)
	if err != nil {
		t.Fatalf("parsing %s: %v", name, err)
	}
	var found []string
	for _, d := range f.Decls {
		fd, ok := d.(*ast.FuncDecl)
		if !ok || fd.Recv != nil || !fd.Name.IsExported() || strings.HasPrefix(fd.Name.Name, "New") {
			continue
		}
		for _, p := range fd.Type.Params.List {
			star, ok := p.Type.(*ast.StarExpr)
			if !ok {
				continue
			}
			sel, ok := star.X.(*ast.SelectorExpr)
			if !ok || sel.Sel.Name != "DB" || sel.X.(*ast.Ident).Name != "gorm" {
				continue
			}
			for _, n := range p.Names {
				if n.Name != "tx" {
					found = append(found, fd.Name.Name+"("+n.Name+" *gorm.DB)")
				}
			}
		}
	}
	return found
}

// TestCapabilitiesAreReachedThroughTheirService: each capability has one Service built once
// (web.New, the CLI); a package function taking its own *gorm.DB would be a second way in.
func TestCapabilitiesAreReachedThroughTheirService(t *testing.T) {
	fset := token.NewFileSet()
	for _, dir := range packageDirs(t) {
		if isAboveDomain(dir) || notCapabilities[dir] || strings.HasSuffix(dir, "test") {
			continue
		}
		entries, err := os.ReadDir(filepath.Join(root, dir))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			for _, fn := range packageLevelDBFuncs(t, fset, filepath.Join(root, dir, e.Name()), nil) {
				t.Errorf("%s/%s: %s is a package function on its own connection: make it a method of the package's Service (or take tx when it runs inside a caller's transaction)", dir, e.Name(), fn)
			}
		}
	}
}

func TestServiceRuleCatchesViolations(t *testing.T) {
	src := `package x
import "gorm.io/gorm"
func List(ctx context.Context, db *gorm.DB, id int64) {}
func Record(ctx context.Context, tx *gorm.DB) {}
func NewService(db *gorm.DB) *Service { return nil }
func (s *Service) Get(db *gorm.DB) {}
func helper(db *gorm.DB) {}`
	got := packageLevelDBFuncs(t, token.NewFileSet(), "x.go", src)
	if len(got) != 1 || got[0] != "List(db *gorm.DB)" {
		t.Errorf("the Service rule found %v, want only List(db *gorm.DB)", got)
	}
}
