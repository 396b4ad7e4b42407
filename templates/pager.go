package templates

// PagerView is the position in a paginated list: the links to the previous and next pages keep
// the list's filters.
type PagerView struct {
	Page     int // 1-based
	From, To int // rows shown, 1-based
	PrevURL  string
	NextURL  string
}
