package pulsaradapter

import (
	"errors"
	"fmt"

	"github.com/ThreeDotsLabs/watermill"
	pulsarlog "github.com/apache/pulsar-client-go/pulsar/log"
)

// pulsarLogger routes the Pulsar client's own logs to the Watermill logger
// instead of logrus' standard logger (the client's default).
//
// Levels are shifted down by one because the client logs routine events
// (producer created, reconnecting) at Info: Info→Debug, Warn→Info (with
// level=warn), Error→Error. The client's Debug logs are dropped: it logs on
// every message at that level, some with message contents, and formatting
// them cost about 40% of the CPU of a publish-and-consume load test even
// with the logger off (Watermill's LoggerAdapter cannot say whether a level
// is enabled).
type pulsarLogger struct {
	logger watermill.LoggerAdapter
	fields watermill.LogFields
}

func newPulsarLogger(logger watermill.LoggerAdapter) pulsarlog.Logger {
	return pulsarLogger{logger: logger, fields: watermill.LogFields{"component": "pulsar-client"}}
}

func (l pulsarLogger) with(fields pulsarlog.Fields) pulsarLogger {
	merged := l.fields.Copy()
	for k, v := range fields {
		merged[k] = v
	}
	return pulsarLogger{logger: l.logger, fields: merged}
}

func (l pulsarLogger) SubLogger(fields pulsarlog.Fields) pulsarlog.Logger { return l.with(fields) }

func (l pulsarLogger) WithFields(fields pulsarlog.Fields) pulsarlog.Entry { return l.with(fields) }

func (l pulsarLogger) WithField(name string, value interface{}) pulsarlog.Entry {
	return l.with(pulsarlog.Fields{name: value})
}

func (l pulsarLogger) WithError(err error) pulsarlog.Entry {
	return l.with(pulsarlog.Fields{"err": err})
}

func (l pulsarLogger) Debug(...interface{})      {}
func (l pulsarLogger) Info(args ...interface{})  { l.logger.Debug(fmt.Sprint(args...), l.fields) }
func (l pulsarLogger) Warn(args ...interface{})  { l.warn(fmt.Sprint(args...)) }
func (l pulsarLogger) Error(args ...interface{}) { l.error(fmt.Sprint(args...)) }

func (l pulsarLogger) Debugf(string, ...interface{}) {}

func (l pulsarLogger) Infof(format string, args ...interface{}) {
	l.logger.Debug(fmt.Sprintf(format, args...), l.fields)
}

func (l pulsarLogger) Warnf(format string, args ...interface{}) {
	l.warn(fmt.Sprintf(format, args...))
}

func (l pulsarLogger) Errorf(format string, args ...interface{}) {
	l.error(fmt.Sprintf(format, args...))
}

func (l pulsarLogger) warn(msg string) {
	l.logger.Info(msg, l.fields.Add(watermill.LogFields{"level": "warn"}))
}

func (l pulsarLogger) error(msg string) {
	err, _ := l.fields["err"].(error)
	if err == nil {
		err = errors.New(msg)
	}
	l.logger.Error(msg, err, l.fields)
}
