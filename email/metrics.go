package email

import (
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Mailer's Prometheus metrics. Every method is safe on a
// nil *metrics (no registerer given).
type metrics struct {
	sends       *prometheus.CounterVec
	seconds     prometheus.Histogram
	deadTotal   prometheus.Counter
	deadNow     prometheus.Gauge
	deletedMail prometheus.Counter
}

// newMetrics registers the voicemail_mail_* metrics in reg.
func newMetrics(reg prometheus.Registerer) *metrics {
	if reg == nil {
		return nil
	}
	m := &metrics{
		sends: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "voicemail_mail_sends_total",
			Help: "Notification sends tried by this instance, by target (email, pager) and result: sent, temporary (retried), permanent (5xx: dead letter).",
		}, []string{"target", "result"}),
		seconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "voicemail_mail_send_seconds",
			Help:    "Time to send one notification: reading and encoding its audio, and the SMTP exchange.",
			Buckets: []float64{0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60},
		}),
		deadTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "voicemail_mail_dead_letters_total",
			Help: "Notifications this instance gave up on (a permanent failure, or failing past mail.give_up): see voicemail mail list.",
		}),
		deadNow: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "voicemail_mail_dead_letters",
			Help: "Notifications in the dead letters at this instance's last rescan of the outboxes.",
		}),
		deletedMail: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "voicemail_mail_deleted_after_email_total",
			Help: "Messages deleted once their email was accepted (delete_after_email).",
		}),
	}
	reg.MustRegister(m.sends, m.seconds, m.deadTotal, m.deadNow, m.deletedMail)
	for _, t := range []string{"email", "pager"} {
		for _, r := range []string{"sent", "temporary", "permanent"} {
			m.sends.WithLabelValues(t, r)
		}
	}
	return m
}

// observe counts one send of target that took d and ended with err.
func (m *metrics) observe(target string, d time.Duration, err error) {
	if m == nil {
		return
	}
	result := "sent"
	switch {
	case errors.Is(err, ErrPermanent):
		result = "permanent"
	case err != nil:
		result = "temporary"
	}
	m.sends.WithLabelValues(target, result).Inc()
	m.seconds.Observe(d.Seconds())
}

func (m *metrics) dead() {
	if m != nil {
		m.deadTotal.Inc()
	}
}

func (m *metrics) setDead(n int) {
	if m != nil {
		m.deadNow.Set(float64(n))
	}
}

func (m *metrics) deletedAfterEmail() {
	if m != nil {
		m.deletedMail.Inc()
	}
}
