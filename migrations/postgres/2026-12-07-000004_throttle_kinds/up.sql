-- Throttled attempts, counted per kind (sign-in apart from /verify look-ups). An attempt is
-- recorded as failed when it is let through (so parallel guesses count before they are
-- checked) and cleared when it succeeds.
CREATE TABLE throttle_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    kind TEXT NOT NULL,
    login TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    failed BOOLEAN NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX throttle_attempts_address_idx ON throttle_attempts(kind, client_ip, attempted_at);
CREATE INDEX throttle_attempts_login_idx ON throttle_attempts(kind, login, attempted_at);

INSERT INTO throttle_attempts (id, kind, login, client_ip, failed, attempted_at)
SELECT id, CASE WHEN login = '/verify' THEN 'verify' ELSE 'sign_in' END,
       CASE WHEN login = '/verify' THEN '' ELSE login END,
       client_ip, NOT succeeded, attempted_at
FROM login_attempts;

DROP TABLE login_attempts;
