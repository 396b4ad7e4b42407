package policy

// Foundation actions: accounts, administration and the audit trail.
const (
	AccountManage   Action = "account.manage"   // own password, MFA, sign out
	AccountMFAStep  Action = "account.mfa_step" // MFA challenge or enrolment during sign-in
	AdminUsers      Action = "admin.users"      // create, invite, change role, disable users
	AdminClients    Action = "admin.clients"    // manage client organizations
	AdminSettings   Action = "admin.settings"   // firm name, city, state, logo
	AuditViewAll    Action = "audit.view_all"   // the firm-wide audit trail
	AuditEngagement Action = "audit.engagement" // one engagement's audit trail
	HomeView        Action = "home.view"        // the signed-in landing page
)

var foundationRules = map[Action]rule{
	AccountManage:   signedIn,
	AccountMFAStep:  signedIn,
	HomeView:        signedIn,
	AdminUsers:      isAdmin,
	AdminClients:    isAdmin,
	AdminSettings:   isAdmin,
	AuditViewAll:    isAdmin,
	AuditEngagement: anyOf(isAdmin, leadsTeam),
}
