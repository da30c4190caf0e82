-- Foundation: units, law firms, the reviewer pool, accounts, sessions, login throttling and
-- the append-only audit log. Ids are UUID text so both backends share one schema.

CREATE TABLE units (
    id TEXT PRIMARY KEY NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('justice_bureau', 'aid_center', 'justice_office')),
    parent_id TEXT REFERENCES units(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX units_parent_idx ON units(parent_id);

CREATE TABLE unit_targets (
    unit_id TEXT NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    year INTEGER NOT NULL,
    case_target INTEGER NOT NULL CHECK (case_target >= 0),
    PRIMARY KEY (unit_id, year)
);

CREATE TABLE law_firms (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE people (
    id TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    unit_id TEXT NOT NULL REFERENCES units(id),
    law_firm_id TEXT REFERENCES law_firms(id),
    years_of_practice INTEGER NOT NULL CHECK (years_of_practice >= 0),
    may_lead BOOLEAN NOT NULL,
    phone TEXT,
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX people_unit_idx ON people(unit_id);

CREATE TABLE person_expertise (
    person_id TEXT NOT NULL REFERENCES people(id) ON DELETE CASCADE,
    case_type TEXT NOT NULL CHECK (case_type IN ('criminal', 'civil', 'administrative')),
    PRIMARY KEY (person_id, case_type)
);

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    login TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('bureau_admin', 'reviewer', 'center_manager', 'leader')),
    person_id TEXT REFERENCES people(id),
    unit_id TEXT REFERENCES units(id),
    active BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    CHECK (role <> 'center_manager' OR unit_id IS NOT NULL)
);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions(user_id);

CREATE TABLE login_attempts (
    id TEXT PRIMARY KEY NOT NULL,
    login TEXT NOT NULL,
    client_ip TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_login_idx ON login_attempts(login, attempted_at);
CREATE INDEX login_attempts_ip_idx ON login_attempts(client_ip, attempted_at);

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    at TIMESTAMP NOT NULL,
    actor_user_id TEXT,
    actor_login TEXT NOT NULL,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT,
    before_json TEXT,
    after_json TEXT,
    client_ip TEXT
);
CREATE INDEX audit_log_entity_idx ON audit_log(entity_type, entity_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
