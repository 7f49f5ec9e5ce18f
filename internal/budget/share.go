package budget

import "time"

// Share returns how often each of callers that take turns in a budget of perMinute may send a
// request when each also keeps reserve requests a minute for other work: the even spacing of
// what is left, times the number of callers. At least half the budget is left to the shares, so
// that many callers slow down together rather than starve; the reserved requests then wait their
// turn like the rest.
func Share(perMinute, callers, reserve int) time.Duration {
	callers = max(callers, 1)
	left := max(perMinute-callers*reserve, (perMinute+1)/2, 1)
	return time.Duration(callers) * spacing(left)
}
