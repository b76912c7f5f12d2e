package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"time"

	"github.com/urfave/cli/v2"
)

// logFlags are --log.level and --log.format of a command that runs
// nodes; --log-level is the older spelling of --log.level.
func logFlags(level string) []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "log.level", Aliases: []string{"log-level"}, Value: level, Usage: "log `LEVEL`: debug, info, warn or error"},
		&cli.StringFlag{Name: "log.format", Value: "text", Usage: "log `FORMAT` on stderr: text (key=value, for people) or json (one object a line, for collectors)"},
	}
}

// newLog makes the stderr logger of --log.level and --log.format.
func newLog(c *cli.Context) (*slog.Logger, error) {
	return logTo(os.Stderr, c.String("log.level"), c.String("log.format"))
}

func logTo(w io.Writer, level, format string) (*slog.Logger, error) {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(level)); err != nil {
		return nil, fmt.Errorf("--log.level: %w", err)
	}
	opts := &slog.HandlerOptions{Level: lvl}
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, opts)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return nil, fmt.Errorf("--log.format %q: text or json", format)
}

// logNotice tells the person running the command something whatever the
// log level ("stopping devnet…"): a plain line on stderr, or with
// --log.format json a log record, so that stderr stays one JSON object a
// line.
func logNotice(c *cli.Context, log *slog.Logger, msg string) {
	if c.String("log.format") != "json" {
		fmt.Fprintln(os.Stderr, msg)
		return
	}
	log.Handler().Handle(context.Background(), slog.NewRecord(time.Now(), slog.LevelInfo, msg, 0))
}
