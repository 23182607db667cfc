// Package email delivers notifications by SMTP: one message per
// notification, HTML and plain text (multipart/alternative), threaded
// per incident (Message-ID, In-Reply-To, References), so a mail client
// shows an incident as one conversation.
//
// The client speaks SMTP with STARTTLS (required unless require_tls is
// false) or implicit TLS on port 465, and authenticates with PLAIN or
// LOGIN, only over TLS. Answers are classified for the outbox: 4xx
// replies and network trouble are retried, 5xx replies (an unknown
// mailbox, refused credentials) are permanent.
//
// Package smtptest is a real in-process SMTP server for tests.
package email
