package templates

// VerifiedReport is what the public verification page shows about an issued version.
type VerifiedReport struct {
	Code, Firm, ServiceOrg, Kind, Period, ReportDate string
	Version                                          int
	State, StateLabel                                string
	SupersededBy                                     int
	WithdrawalReason, WithdrawnOn                    string
	SHA256                                           string
	Signed                                           bool
}

// VerifiedCopy names the recipient of a recognised copy.
type VerifiedCopy struct {
	Number                   int
	Organization, Person, On string
}

// VerifyPage is the public verification page: a code's report, and the answer to an upload.
type VerifyPage struct {
	Firm         string
	Code         string // as typed, kept in the form
	Looked       bool   // a code was looked up
	Report       *VerifiedReport
	Result       string // "", authentic, modified, unknown
	Copy         *VerifiedCopy
	UploadSHA256 string
	UploadAction string // with the CSRF-free public upload path
	Error        string
}

// IssuedVersionView is one issued version on the engagement's report copies page.
type IssuedVersionView struct {
	ID                            int64
	Label                         string // "SOC 2 Type II — version 1"
	State, StateLabel             string
	Code, VerifyHref, SHA256      string
	IssuedOn                      string
	Signed                        bool
	WithdrawalReason, WithdrawnOn string
	CanWithdraw, CanCopy          bool
	DownloadHref                  string // "" when the user may not download it
	GeneralUse                    bool   // a SOC 3: shared as issued, no recipient copies
	Pages                         int
	ReleaseDate, ReportDate       string
}

// ReportCopyView is one recipient copy.
type ReportCopyView struct {
	ID                                  int64
	Version                             string
	Number                              int
	Organization, Person, Email         string
	PreparedOn, SHA256, RequestedByName string
	Signed                              bool
	Href                                string
}

// ReportCopiesPage lists the engagement's issued reports, their codes and recipient copies.
type ReportCopiesPage struct {
	Versions  []IssuedVersionView
	Copies    []ReportCopyView
	IsClient  bool
	FormFor   int64 // the version whose form was refused
	Values    map[string]string
	Errors    Errors
	Withdrawn bool
}
