package history

import (
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/coach-dev/coach/coach"
)

// Report is what `coach history` shows and exports.
type Report struct {
	Sessions   []coach.Record `json:"sessions"`
	StreakDays int            `json:"streak_days"`
	Week       Week           `json:"week"`
	Pain       []PainPoint    `json:"pain"`
}

// Week is adherence this week (Monday to Sunday, local time) against the
// routine's prescribed frequency. Only sessions that count (coach.Record's
// Counts: not practice, ended, at least one rep heard) are counted.
type Week struct {
	Routine   string    `json:"routine"`
	Frequency string    `json:"frequency"`
	Since     time.Time `json:"since"`
	Done      int       `json:"done"`
	Target    int       `json:"target"` // 0: no prescription to compare with
}

// PainPoint is one session's check-in ratings.
type PainPoint struct {
	StartedAt time.Time `json:"started_at"`
	Before    *int      `json:"before"`
	After     *int      `json:"after"`
}

// Report builds the report for the last limit sessions.
func (s *Store) Report(now time.Time, limit int) (*Report, error) {
	ss, err := s.Sessions(limit)
	if err != nil {
		return nil, err
	}
	rep := &Report{Sessions: ss, Pain: []PainPoint{}}
	days, err := s.Days(800)
	if err != nil {
		return nil, err
	}
	rep.StreakDays = Streak(days, now)
	monday := startOfWeek(now)
	rep.Week.Since = monday
	if len(ss) > 0 {
		rep.Week.Routine, rep.Week.Frequency = ss[0].Routine, ss[0].Frequency
		rep.Week.Target = WeeklyTarget(ss[0].Frequency)
	}
	if rep.Week.Done, err = s.CountSince(rep.Week.Routine, monday); err != nil {
		return nil, err
	}
	for i := len(ss) - 1; i >= 0; i-- {
		if ss[i].PainBefore != nil || ss[i].PainAfter != nil {
			rep.Pain = append(rep.Pain, PainPoint{StartedAt: ss[i].StartedAt, Before: ss[i].PainBefore, After: ss[i].PainAfter})
		}
	}
	return rep, nil
}

// Streak counts consecutive days with a session, ending today (or
// yesterday: today is not over yet). days are "2006-01-02", newest first.
func Streak(days []string, now time.Time) int {
	day := now
	seen := map[string]bool{}
	for _, d := range days {
		seen[d] = true
	}
	if !seen[day.Format("2006-01-02")] {
		day = day.AddDate(0, 0, -1)
	}
	n := 0
	for seen[day.Format("2006-01-02")] {
		n++
		day = day.AddDate(0, 0, -1)
	}
	return n
}

func startOfWeek(now time.Time) time.Time {
	d := now.AddDate(0, 0, -((int(now.Weekday()) + 6) % 7))
	return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, now.Location())
}

var timesA = regexp.MustCompile(`^(\d+|once|twice|three times) (?:times )?a (day|week)$`)

// WeeklyTarget reads a prescription such as "once a day", "twice a day",
// "3 times a week" or "every other day" as sessions per week (0 if unknown).
func WeeklyTarget(freq string) int {
	f := strings.ToLower(strings.TrimSpace(freq))
	switch f {
	case "daily", "every day":
		return 7
	case "every other day":
		return 4
	case "weekly", "once a week":
		return 1
	}
	m := timesA.FindStringSubmatch(f)
	if m == nil {
		return 0
	}
	n := map[string]int{"once": 1, "twice": 2, "three times": 3}[m[1]]
	if n == 0 {
		n, _ = strconv.Atoi(m[1])
	}
	if m[2] == "day" {
		n *= 7
	}
	return n
}

// Day is one day of the companion page's last-days strip.
type Day struct {
	Date      string `json:"date"`      // 2006-01-02, local time
	Sessions  int    `json:"sessions"`  // sessions that count
	Completed int    `json:"completed"` // of which finished
}

// LastDays summarises the n days up to and including now's, oldest first,
// with days without a session included as zeros.
func (s *Store) LastDays(n int, now time.Time) ([]Day, error) {
	first := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, now.Location()).AddDate(0, 0, -(n - 1))
	rows, err := s.db.Query(`SELECT date(started_at, 'localtime') AS d, count(*), sum(status = 'finished')
		FROM sessions WHERE counts AND started_at >= ? GROUP BY d`, first.Add(-24*time.Hour).UTC().Format(timeFormat))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	got := map[string]Day{}
	for rows.Next() {
		var d Day
		if err := rows.Scan(&d.Date, &d.Sessions, &d.Completed); err != nil {
			return nil, err
		}
		got[d.Date] = d
	}
	out := make([]Day, n)
	for i := range out {
		date := first.AddDate(0, 0, i).Format("2006-01-02")
		out[i] = got[date]
		out[i].Date = date
	}
	return out, rows.Err()
}
