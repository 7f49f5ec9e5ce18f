package forgesim // import "github.com/forgelogs/otelcol-forge/internal/forgesim"

import (
	"net/http"
)

// SetToken makes token the only API token accepted for email from now on, by both APIs: the token
// it replaces is refused, as when it expires or is revoked. email may be Config.Email, one of
// Config.Accounts or a new account.
func (s *Server) SetToken(email, token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens == nil {
		s.tokens = map[string]string{}
	}
	s.tokens[email] = token
}

// tokenOf returns the token accepted for email and whether the account exists.
func (s *Server) tokenOf(email string) (string, bool) {
	s.mu.Lock()
	token, set := s.tokens[email]
	s.mu.Unlock()
	switch {
	case set:
		return token, true
	case email == s.cfg.Email:
		return s.cfg.Token, true
	}
	token, known := s.cfg.Accounts[email]
	return token, known
}

// serveSetToken answers POST /_sim/token with form fields email and token: SetToken at run time,
// for rotating credentials while a collector polls (cmd/forgeapi-sim serves it too).
func (s *Server) serveSetToken(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "POST email and token", http.StatusMethodNotAllowed)
		return
	}
	email, token := r.PostFormValue("email"), r.PostFormValue("token")
	if email == "" || token == "" {
		http.Error(w, "both email and token are required", http.StatusBadRequest)
		return
	}
	s.SetToken(email, token)
	w.WriteHeader(http.StatusNoContent)
}
