package policy

import "github.com/attest-soc/attest/internal/auth"

// Quality review actions: boilerplate warnings, the firm comparison, the engagement timeline.
const (
	// QualityView shows an engagement's boilerplate warnings and its timeline (and the PDF).
	QualityView Action = "quality.view"
	// BoilerplateAcknowledge records the engagement partner's reason for a warning.
	BoilerplateAcknowledge Action = "boilerplate.acknowledge"
	// BoilerplateTemplates maintains the firm's standard wording, left out of comparisons.
	BoilerplateTemplates Action = "boilerplate.templates"
	// FirmComparison compares the firm's engagements with each other.
	FirmComparison Action = "firm.comparison"
)

// engagementPartner: the partner on the engagement's team (who signs).
func engagementPartner(u auth.User, r Resource) bool {
	return onTeam(u, r) && r.TeamRole == TeamPartner
}

var qualityRules = map[Action]rule{
	QualityView:            anyOf(firmOversight, onTeam),
	BoilerplateAcknowledge: unlocked(engagementPartner),
	BoilerplateTemplates:   firmOversight,
	FirmComparison:         firmOversight,
}
