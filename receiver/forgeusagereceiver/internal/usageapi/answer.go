package usageapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/forgelogs/otelcol-forge/internal/apierror"
)

// ErrMalformedAnswer is returned for a 200 whose body is not an answer of the expected shape, or
// whose periods or amounts cannot be read. Like a truncated body, it is worth retrying.
var ErrMalformedAnswer = errors.New("malformed App resource usage answer")

// Page is one page of an answer: the periods in the API's order.
type Page struct {
	Periods []Period
	// PageSize is the answer's pagination.pageSize; 0 when it did not say.
	PageSize int
}

// Rows counts the page's entries: a period's groups, or the period itself in a flat answer.
func (p Page) Rows() int {
	n := 0
	for _, period := range p.Periods {
		n += len(period.Groups)
	}
	return n
}

// Period is the usage of one period, [Start, End).
type Period struct {
	Start time.Time
	// End is zero for a resolution the receiver does not know: such a period cannot be placed.
	End        time.Time
	Resolution string
	Groups     []Group
}

// Group is the usage of one environment or site in a period; Value is empty in a flat answer.
type Group struct {
	Value  string
	Amount float64
	Unit   string
}

type envelope struct {
	Data *struct {
		Ecosystem *struct {
			DevConsole *struct {
				AppResourceUsage json.RawMessage `json:"appResourceUsage"`
			} `json:"devConsole"`
		} `json:"ecosystem"`
	} `json:"data"`
	Errors []struct {
		Message string `json:"message"`
	} `json:"errors"`
}

type response struct {
	ResourceUsage *[]periodJSON `json:"resourceUsage"`
	Pagination    *struct {
		Page     int `json:"page"`
		PageSize int `json:"pageSize"`
	} `json:"pagination"`
	Error *struct {
		Message    string `json:"message"`
		Extensions *struct {
			ErrorType  string          `json:"errorType"`
			StatusCode json.RawMessage `json:"statusCode"`
		} `json:"extensions"`
	} `json:"error"`
}

type periodJSON struct {
	Period     string       `json:"period"`
	Resolution string       `json:"resolution"`
	Groups     *[]groupJSON `json:"groups"`
	// A flat answer's amount and unit.
	TokensConsumed json.RawMessage `json:"tokensConsumed"`
	TokenUnit      string          `json:"tokenUnit"`
}

type groupJSON struct {
	GroupValue     string          `json:"groupValue"`
	TokensConsumed json.RawMessage `json:"tokensConsumed"`
	TokenUnit      string          `json:"tokenUnit"`
}

// ParsePage reads a 200 answer: its page, a *apierror.StatusError for a QueryError (the `error`
// field, handled as the HTTP status it names) or for GraphQL errors without data (a refusal), and
// ErrMalformedAnswer for anything else, a period or an amount that cannot be read included.
func ParsePage(body []byte) (Page, error) {
	var env envelope
	if err := json.Unmarshal(body, &env); err != nil {
		return Page{}, fmt.Errorf("%w: %w", ErrMalformedAnswer, err)
	}
	var raw json.RawMessage
	if d := env.Data; d != nil && d.Ecosystem != nil && d.Ecosystem.DevConsole != nil {
		raw = d.Ecosystem.DevConsole.AppResourceUsage
	}
	if len(raw) == 0 || bytes.Equal(raw, []byte("null")) {
		if len(env.Errors) > 0 {
			messages := make([]string, len(env.Errors))
			for i, e := range env.Errors {
				messages[i] = e.Message
			}
			return Page{}, apierror.FromGraphQLErrors(messages)
		}
		return Page{}, fmt.Errorf("%w: no appResourceUsage and no errors", ErrMalformedAnswer)
	}
	var resp response
	if err := json.Unmarshal(raw, &resp); err != nil {
		return Page{}, fmt.Errorf("%w: appResourceUsage: %w", ErrMalformedAnswer, err)
	}
	if e := resp.Error; e != nil {
		var errorType string
		var code json.RawMessage
		if e.Extensions != nil {
			errorType, code = e.Extensions.ErrorType, e.Extensions.StatusCode
		}
		return Page{}, apierror.FromQueryError(e.Message, errorType, code)
	}
	if resp.ResourceUsage == nil {
		return Page{}, fmt.Errorf("%w: no resourceUsage and no error", ErrMalformedAnswer)
	}
	page := Page{Periods: make([]Period, 0, len(*resp.ResourceUsage))}
	if resp.Pagination != nil {
		page.PageSize = resp.Pagination.PageSize
	}
	for i, p := range *resp.ResourceUsage {
		period, err := parsePeriod(p)
		if err != nil {
			return Page{}, fmt.Errorf("%w: resourceUsage[%d]: %w", ErrMalformedAnswer, i, err)
		}
		page.Periods = append(page.Periods, period)
	}
	return page, nil
}

func parsePeriod(p periodJSON) (Period, error) {
	start, err := ParsePeriodStart(p.Period)
	if err != nil {
		return Period{}, err
	}
	period := Period{Start: start, End: PeriodEnd(start, p.Resolution), Resolution: p.Resolution}
	if p.Groups == nil { // a flat answer
		amount, err := parseAmount(p.TokensConsumed)
		if err != nil {
			return Period{}, err
		}
		period.Groups = []Group{{Amount: amount, Unit: p.TokenUnit}}
		return period, nil
	}
	period.Groups = make([]Group, len(*p.Groups))
	for i, g := range *p.Groups {
		amount, err := parseAmount(g.TokensConsumed)
		if err != nil {
			return Period{}, fmt.Errorf("groups[%d]: %w", i, err)
		}
		period.Groups[i] = Group{Value: g.GroupValue, Amount: amount, Unit: g.TokenUnit}
	}
	return period, nil
}

// ParsePeriodStart reads a period as the API may write it: an ISO-8601 date (a UTC day) or
// date-time, with or without fractional seconds, with Z or an offset. Anything else is an error.
func ParsePeriodStart(s string) (time.Time, error) {
	if t, err := time.Parse(time.DateOnly, s); err == nil {
		return t, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("period %q is neither an ISO-8601 date nor a date-time", s)
	}
	return t.UTC(), nil
}

// PeriodEnd is where the period that starts at start ends, by its resolution; zero for a
// resolution the receiver does not know.
func PeriodEnd(start time.Time, resolution string) time.Time {
	switch resolution {
	case "ONE_HOUR":
		return start.Add(time.Hour)
	case "ONE_DAY":
		return start.AddDate(0, 0, 1)
	case "ONE_WEEK":
		return start.AddDate(0, 0, 7)
	case "ONE_MONTH":
		return start.AddDate(0, 1, 0)
	}
	return time.Time{}
}

// parseAmount reads tokensConsumed: a decimal string as documented, or a JSON number.
func parseAmount(raw json.RawMessage) (float64, error) {
	s := string(raw)
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return 0, err
		}
	}
	// Only plain decimals: ParseFloat alone would also take "Inf", "NaN" and hexadecimal floats.
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || s == "" || strings.TrimLeft(s, "0123456789.eE+-") != "" || math.IsInf(v, 0) {
		return 0, fmt.Errorf("tokensConsumed %s is not a decimal amount", raw)
	}
	return v, nil
}
