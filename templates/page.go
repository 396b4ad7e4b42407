// Package templates holds Attest's templ components. Components take the view models defined
// here, never database models.
package templates

// Page is what every full page needs besides its own content.
type Page struct {
	Title     string
	User      *UserView // nil on public pages
	CSRF      string
	Flashes   []Flash
	Nav       []NavItem
	ActiveNav string // key of the highlighted navigation entry
	AssetURL  func(name string) string
}

// UserView is the signed-in user as the layout shows them.
type UserView struct {
	ID         int64
	Name       string
	Email      string
	RoleLabel  string
	IsClient   bool
	ClientName string
}

// NavItem is one entry of the role-aware navigation.
type NavItem struct {
	Key, Label, Href string
}

// Flash is a one-time message shown at the top of the next page.
type Flash struct {
	Kind    string // success, error, info
	Message string
}

// Asset returns the content-hashed URL of a static file.
func (p Page) Asset(name string) string {
	if p.AssetURL == nil {
		return "/static/" + name
	}
	return p.AssetURL(name)
}

// Option is one choice of a select or radio group.
type Option struct {
	Value, Label string
}

// Errors maps form field names to messages.
type Errors map[string]string
