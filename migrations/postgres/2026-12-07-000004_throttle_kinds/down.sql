CREATE TABLE login_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    login TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_login_idx ON login_attempts(login, attempted_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts(client_ip, attempted_at);

INSERT INTO login_attempts (id, login, client_ip, succeeded, attempted_at)
SELECT id, CASE WHEN kind = 'verify' THEN '/verify' ELSE login END,
       client_ip, NOT failed, attempted_at
FROM throttle_attempts;

DROP TABLE throttle_attempts;
