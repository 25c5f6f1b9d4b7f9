package cli

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/coach-dev/coach/coach"
	"github.com/coach-dev/coach/internal/history"
	"github.com/spf13/cobra"
)

func init() {
	extraCommands = append(extraCommands, (*app).historyCmd)
}

// now is swapped in tests.
var now = time.Now

func (a *app) historyPath(flag string) string {
	if flag != "" {
		return flag
	}
	return history.DefaultPath(a.std.getenv)
}

func (a *app) historyCmd() *cobra.Command {
	var file string
	var asJSON, asCSV bool
	var limit int
	cmd := &cobra.Command{
		Use:   "history",
		Short: "Show recent sessions, the streak, this week against the prescription, and pain over time",
		Args:  exactArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			if asJSON && asCSV {
				return usageError{errors.New("--json and --csv: pick one")}
			}
			if limit < 1 {
				return usageError{errors.New("--limit must be at least 1")}
			}
			path := a.historyPath(file)
			if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
				if _, err := os.Stat(history.RecoveryPath(path)); errors.Is(err, os.ErrNotExist) {
					if asJSON {
						return json.NewEncoder(a.std.Out).Encode(history.Report{Sessions: []coach.Record{}, Pain: []history.PainPoint{}})
					}
					if !asCSV {
						fmt.Fprintf(a.std.Out, "No sessions recorded yet (%s).\n", path)
					}
					return nil
				}
			}
			st, err := history.Open(path)
			if err != nil {
				return err
			}
			defer st.Close()
			for _, w := range st.Warnings() {
				fmt.Fprintf(a.std.Err, "coach: warning: %s\n", w)
			}
			rep, err := st.Report(now(), limit)
			if err != nil {
				return err
			}
			switch {
			case asJSON:
				enc := json.NewEncoder(a.std.Out)
				enc.SetIndent("", "  ")
				return enc.Encode(rep)
			case asCSV:
				return writeCSV(a, rep)
			}
			return writeHistory(a, rep)
		},
	}
	cmd.Flags().StringVar(&file, "history", "", "history database `FILE` (default $XDG_DATA_HOME/coach/history.db)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	cmd.Flags().BoolVar(&asCSV, "csv", false, "print as CSV, one row per exercise (for a clinician)")
	cmd.Flags().IntVar(&limit, "limit", 10, "show the last `N` sessions")
	return cmd
}

// spent is the time actually spent in a session, "?" while it runs.
func spent(s coach.Record) string {
	if s.EndedAt == nil {
		return "?"
	}
	d := s.Spent().Round(time.Second)
	return fmt.Sprintf("%d:%02d", int(d.Minutes()), int(d.Seconds())%60)
}

// status is a record's status as the history table shows it.
func status(s coach.Record) string {
	if s.Practice {
		return string(s.Status) + " (practice)"
	}
	return string(s.Status)
}

func pain(p *int) string {
	if p == nil {
		return "-"
	}
	return strconv.Itoa(*p)
}

func writeHistory(a *app, rep *history.Report) error {
	if len(rep.Sessions) == 0 {
		fmt.Fprintln(a.std.Out, "No sessions recorded yet.")
		return nil
	}
	tw := tabwriter.NewWriter(a.std.Out, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "DATE\tROUTINE\tSTATUS\tSPENT\tEXERCISES\tREPS\tSKIPPED\tPAIN STOPS\tPAIN BEFORE→AFTER")
	for _, s := range rep.Sessions {
		t := s.Totals()
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d/%d\t%d/%d\t%d\t%d\t%s→%s\n", s.StartedAt.Local().Format("2006-01-02 15:04"), s.Routine, status(s),
			spent(s), t.Completed, t.Exercises, t.DoneReps, t.PlannedReps, t.Skipped, t.PainStops, pain(s.PainBefore), pain(s.PainAfter))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	days := "days"
	if rep.StreakDays == 1 {
		days = "day"
	}
	fmt.Fprintf(a.std.Out, "\nStreak: %d %s in a row.\n", rep.StreakDays, days)
	if rep.Week.Target > 0 {
		fmt.Fprintf(a.std.Out, "This week: %d of %d sessions of %s (prescribed %s).\n", rep.Week.Done, rep.Week.Target, rep.Week.Routine, rep.Week.Frequency)
	} else {
		fmt.Fprintf(a.std.Out, "This week: %d sessions of %s.\n", rep.Week.Done, rep.Week.Routine)
	}
	if len(rep.Pain) > 0 {
		var parts []string
		for _, p := range rep.Pain {
			parts = append(parts, fmt.Sprintf("%s %s→%s", p.StartedAt.Local().Format("Jan 2"), pain(p.Before), pain(p.After)))
		}
		fmt.Fprintf(a.std.Out, "Pain (0-10, before→after): %s\n", strings.Join(parts, ", "))
	}
	if felt := feltLine(rep.Sessions); felt != "" {
		fmt.Fprintf(a.std.Out, "How it felt (oldest first): %s\n", felt)
	}
	return nil
}

// feltLine lists each exercise's feel ratings over the sessions shown,
// oldest first, exercises in the order first met: what a physiotherapist
// asks when reviewing the programme. "" when none was given.
func feltLine(sessions []coach.Record) string {
	var order []string
	felt := map[string][]string{}
	for i := len(sessions) - 1; i >= 0; i-- { // sessions come newest first
		for _, e := range sessions[i].Exercises {
			if e.Rating == nil {
				continue
			}
			said := *e.Rating
			if c, ok := coach.ControlFor(coach.Command(said)); ok && c.Feel {
				said = strings.ToLower(c.Label)
			}
			name := e.Name // a.std.Out escapes what would act on a terminal
			if _, seen := felt[name]; !seen {
				order = append(order, name)
			}
			felt[name] = append(felt[name], said)
		}
	}
	var parts []string
	for _, n := range order {
		parts = append(parts, n+": "+strings.Join(felt[n], ", "))
	}
	return strings.Join(parts, "; ")
}

func writeCSV(a *app, rep *history.Report) error {
	w := csv.NewWriter(a.std.Out)
	w.Write([]string{"session_id", "started_at", "routine", "status", "practice", "spent_s", "paused_s", "pain_before", "pain_after",
		"exercise", "planned_sets", "planned_reps", "planned_sides", "planned_hold_ms", "planned_total_reps", "done_reps",
		"completed", "skipped", "pain_stop", "rating"})
	for _, s := range rep.Sessions {
		dur := ""
		if s.EndedAt != nil {
			dur = strconv.FormatInt(s.SpentMS/1000, 10)
		}
		for _, e := range s.Exercises {
			rating := ""
			if e.Rating != nil {
				rating = *e.Rating
			}
			pb, pa := "", ""
			if s.PainBefore != nil {
				pb = strconv.Itoa(*s.PainBefore)
			}
			if s.PainAfter != nil {
				pa = strconv.Itoa(*s.PainAfter)
			}
			w.Write([]string{s.ID, s.StartedAt.UTC().Format(time.RFC3339), s.Routine, string(s.Status), strconv.FormatBool(s.Practice), dur, strconv.FormatInt(s.PausedMS/1000, 10), pb, pa,
				e.ID, strconv.Itoa(e.PlannedSets), strconv.Itoa(e.PlannedReps), strconv.Itoa(e.PlannedSides), strconv.FormatInt(e.PlannedHoldMS, 10),
				strconv.Itoa(e.PlannedTotal), strconv.Itoa(e.DoneReps), strconv.FormatBool(e.Completed), strconv.FormatBool(e.Skipped),
				strconv.FormatBool(e.PainStop), rating})
		}
	}
	w.Flush()
	return w.Error()
}
