package web

import (
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/attest-soc/attest/internal/apperr"
	"github.com/attest-soc/attest/internal/auth"
	"github.com/attest-soc/attest/internal/evidence"
	"github.com/attest-soc/attest/internal/policy"
	"github.com/attest-soc/attest/internal/requests"
)

// partFileName is the file name exactly as the client sent it. multipart.Part.FileName strips
// folders silently; the raw name lets a crafted path be refused instead of quietly accepted.
func partFileName(p *multipart.Part) (string, bool) {
	_, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil {
		return "", false
	}
	name, ok := params["filename"]
	return name, ok
}

// nextFilePart returns the next part that carries a file, or nil at the end.
func nextFilePart(mr *multipart.Reader) (*multipart.Part, error) { return nextFilePartKeeping(mr, nil) }

// nextFilePartKeeping is nextFilePart that also keeps the small text fields sent before the
// files (such as pertains_to) in fields, when fields is not nil.
func nextFilePartKeeping(mr *multipart.Reader, fields map[string]string) (*multipart.Part, error) {
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if name, ok := partFileName(p); ok && name != "" {
			return p, nil
		}
		if fields != nil && p.FormName() != "" {
			b, err := io.ReadAll(io.LimitReader(p, 4096))
			if err != nil {
				return nil, err
			}
			fields[p.FormName()] = string(b)
		}
	}
}

// receiveFiles streams every file of a multipart upload into temporary files, one after the
// other, never holding a file in memory. An empty selection or any refused file fails the whole
// upload and nothing is kept; otherwise the caller records the files (which puts them in the
// store) and discards the temporary copies.
//
// The form sends pertains_to before the files; the date is checked here (not in the future) and
// set on every file. A missing date is left nil for the domain to default or refuse.
func (s *Server) receiveFiles(c echo.Context) ([]evidence.Received, error) {
	mr, err := c.Request().MultipartReader()
	if err != nil {
		return nil, apperr.Validation{"files": "Choose at least one file to upload."}
	}
	var got []evidence.Received
	fields := map[string]string{}
	for {
		part, err := nextFilePartKeeping(mr, fields)
		var he *echo.HTTPError
		if errors.As(err, &he) {
			return nil, err // over the body limit: 413
		}
		if err != nil {
			return nil, apperr.Validation{"files": "The upload arrived incomplete or malformed. Choose the files and upload them again."}
		}
		if part == nil {
			break
		}
		if len(got) == evidence.MaxFilesPerUpload {
			evidence.DiscardAll(got)
			_, _ = io.Copy(io.Discard, c.Request().Body)
			return nil, apperr.Validation{"files": fmt.Sprintf("Upload at most %d files at a time; nothing was stored. Upload the rest in a second step.", evidence.MaxFilesPerUpload)}
		}
		name, _ := partFileName(part)
		rec, err := s.Evidence.Receive(c.Request().Context(), name, part)
		if err != nil {
			evidence.DiscardAll(got)
			// Read what is left so the browser sees the answer instead of a reset connection.
			_, _ = io.Copy(io.Discard, c.Request().Body)
			return nil, err
		}
		got = append(got, rec)
	}
	if len(got) == 0 {
		return nil, apperr.Validation{"files": "Choose at least one file to upload."}
	}
	d, err := evidence.ParsePertainsTo(fields["pertains_to"], s.Clock.Now())
	if err != nil {
		evidence.DiscardAll(got)
		return nil, err
	}
	return evidence.Dated(got, d), nil
}

// requestEvidenceUpload: POST /requests/:requestID/evidence (multipart, streamed).
func (s *Server) requestEvidenceUpload(c echo.Context) error {
	id, err := paramID(c, "requestID")
	if err != nil {
		return err
	}
	files, err := s.receiveFiles(c)
	defer evidence.DiscardAll(files)
	if err == nil {
		err = s.Requests.AddEvidence(c.Request().Context(), mustUser(c), id, files)
	}
	if err != nil {
		return s.refuseOnRequest(c, id, err, nil)
	}
	return s.redirectWithFlash(c, "/requests/"+itoa(id), fmt.Sprintf("%d %s uploaded.", len(files), map[bool]string{true: "file", false: "files"}[len(files) == 1]))
}

// evidenceAttach stores auditors' own evidence on a test (POST /tests/:testID/evidence) or a
// sample (POST /samples/:sampleID/evidence) and goes back to where the form was.
func (s *Server) evidenceAttach(param string) echo.HandlerFunc {
	return func(c echo.Context) error {
		ctx := c.Request().Context()
		id, err := paramID(c, param)
		if err != nil {
			return err
		}
		testID, sampleID, back := id, int64(0), testPartPath(id, "evidence")
		if param == "sampleID" {
			sm, err := s.fieldwork().Sample(ctx, id)
			if err != nil {
				return err
			}
			testID, sampleID, back = sm.TestID, id, "/samples/"+itoa(id)
		}
		files, err := s.receiveFiles(c)
		defer evidence.DiscardAll(files)
		if err == nil {
			err = s.fieldwork().AttachEvidence(ctx, mustUser(c), testID, sampleID, files)
		}
		var ref *evidence.Refusal
		if v, ok := apperr.AsValidation(err); ok {
			for _, k := range []string{"pertains_to", "files"} {
				if v[k] != "" {
					s.flash(c, "error", v[k])
					break
				}
			}
			return c.Redirect(http.StatusSeeOther, back)
		}
		if errors.As(err, &ref) {
			s.flash(c, "error", ref.Reason)
			return c.Redirect(http.StatusSeeOther, back)
		}
		if err != nil {
			return err
		}
		return s.redirectWithFlash(c, back, fmt.Sprintf("%d evidence file(s) attached.", len(files)))
	}
}

// evidencePeriodExplain: POST /evidence/:fileID/period-explanation — an auditor says why a file
// dated outside the examination period still supports the test, so it counts.
func (s *Server) evidencePeriodExplain(c echo.Context) error {
	id, err := paramID(c, "fileID")
	if err != nil {
		return err
	}
	f, err := s.Evidence.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	back := "/engagements/" + itoa(f.EngagementID)
	switch {
	case f.SampleID != nil:
		back = "/samples/" + itoa(*f.SampleID)
	case f.TestID != nil:
		back = testPartPath(*f.TestID, "evidence")
	case f.RequestID != nil:
		back = "/requests/" + itoa(*f.RequestID)
	}
	err = s.Evidence.ExplainPeriod(c.Request().Context(), mustUser(c).Actor(), id, c.FormValue("period_explanation"))
	if v, ok := apperr.AsValidation(err); ok {
		s.flash(c, "error", v["period_explanation"])
		return c.Redirect(http.StatusSeeOther, back)
	}
	if err != nil {
		return err
	}
	return s.redirectWithFlash(c, back, "Explanation recorded: the file now counts for the test.")
}

// evidenceDownload: GET /evidence/:fileID — always as an attachment, after checking the hash.
func (s *Server) evidenceDownload(c echo.Context) error {
	id, err := paramID(c, "fileID")
	if err != nil {
		return err
	}
	f, err := s.Evidence.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	rc, err := s.Evidence.OpenVerified(c.Request().Context(), f)
	if err != nil {
		return s.blobError(c, f, err)
	}
	defer rc.Close()
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, f.ContentType)
	h.Set(echo.HeaderContentDisposition, attachment(f.FileName))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set(echo.HeaderContentLength, itoa(f.SizeBytes))
	h.Set("Cache-Control", "private, no-store")
	c.Response().WriteHeader(http.StatusOK)
	_, err = io.Copy(c.Response(), rc)
	return err
}

// blobError explains a missing or damaged blob and logs it for the administrator.
func (s *Server) blobError(c echo.Context, f evidence.File, err error) error {
	switch {
	case errors.Is(err, evidence.ErrCorrupt):
		s.Log.Error("evidence failed its checksum", "file_id", f.ID, "sha256", f.SHA256, "request_id", requestID(c))
		return echo.NewHTTPError(http.StatusConflict, "“"+f.FileName+"” no longer matches the SHA-256 checksum recorded when it was uploaded, "+
			"so it was changed or damaged in storage and is not sent. Tell your administrator (reference "+requestID(c)+"); upload the file again if you have it.")
	case errors.Is(err, evidence.ErrBlobNotFound):
		s.Log.Error("evidence missing from the store", "file_id", f.ID, "sha256", f.SHA256, "request_id", requestID(c))
		return echo.NewHTTPError(http.StatusConflict, "“"+f.FileName+"” is recorded but missing from the evidence store. Tell your administrator (reference "+requestID(c)+").")
	}
	return err
}

// evidenceScope resolves /evidence/:fileID. Client users see only what was uploaded against
// requests: the auditors' own evidence on tests and samples does not exist for them.
func (s *Server) evidenceScope(c echo.Context, u auth.User) (policy.Resource, error) {
	id, err := paramID(c, "fileID")
	if err != nil {
		return policy.Resource{}, err
	}
	f, err := s.Evidence.Get(c.Request().Context(), id)
	if err != nil {
		return policy.Resource{}, err
	}
	res, err := s.engagementResource(c.Request().Context(), f.EngagementID, u)
	if err != nil {
		return res, err
	}
	res.FirmOnly = f.RequestID == nil // evidence on tests and samples is the auditors' own
	if f.RequestID != nil {
		// A request's file is reached like its request (the client's coordinator, issue #16).
		res.OneRequest = true
		res.Involved, err = s.Requests.Involved(c.Request().Context(), *f.RequestID, u.ID)
	}
	return res, err
}

// evidenceZip streams a ZIP of a request's (GET /requests/:requestID/evidence.zip) or an
// engagement's (GET /engagements/:id/evidence.zip) evidence with a manifest.
func (s *Server) evidenceZip(c echo.Context) error {
	ctx := c.Request().Context()
	u := mustUser(c)
	var files []evidence.File
	var name string
	var err error
	if c.Param("requestID") != "" {
		id, perr := paramID(c, "requestID")
		if perr != nil {
			return perr
		}
		r, gerr := s.Requests.Get(ctx, id)
		if gerr != nil {
			return gerr
		}
		files, err = s.Evidence.ForRequest(ctx, id)
		name = fmt.Sprintf("evidence-%s.zip", r.Label())
	} else {
		id := resource(c).EngagementID
		files, err = s.Evidence.ForEngagement(ctx, id, !policy.Can(u, policy.WorkingPapersView, resource(c)))
		name = fmt.Sprintf("evidence-engagement-%d.zip", id)
		if err == nil && ownRequestsOnly(c) {
			files, err = s.ownFiles(ctx, id, u.ID, files)
		}
	}
	if err != nil {
		return err
	}
	// Check every file before the first byte goes out: once streaming starts, a damaged file
	// could only cut the download short.
	for _, f := range files {
		if err := evidence.Verify(ctx, s.Evidence.Store, f.BlobKey); err != nil {
			return s.blobError(c, f, err)
		}
	}
	h := c.Response().Header()
	h.Set(echo.HeaderContentType, "application/zip")
	h.Set(echo.HeaderContentDisposition, attachment(name))
	h.Set("X-Content-Type-Options", "nosniff")
	c.Response().WriteHeader(http.StatusOK)
	if err := s.Evidence.WriteZip(ctx, c.Response(), files); err != nil {
		s.Log.Error("streaming evidence ZIP", "err", err, "request_id", requestID(c))
	}
	return nil
}

// ownFiles keeps the files of the requests client user userID is involved in: what a client user
// who is not the engagement's coordinator may download.
func (s *Server) ownFiles(ctx context.Context, engagementID, userID int64, files []evidence.File) ([]evidence.File, error) {
	rs, err := s.Requests.List(ctx, engagementID, requests.Filter{VisibleTo: userID})
	if err != nil {
		return nil, err
	}
	mine := map[int64]bool{}
	for _, r := range rs {
		mine[r.ID] = true
	}
	var out []evidence.File
	for _, f := range files {
		if f.RequestID != nil && mine[*f.RequestID] {
			out = append(out, f)
		}
	}
	return out, nil
}
