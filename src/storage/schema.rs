//! One `table!` set for both backends, using only types SQLite and PostgreSQL share
//! (ids as text UUIDs, `Timestamp` in UTC). Keep in step with `migrations/`.

diesel::table! {
    units (id) {
        id -> Text,
        code -> Text,
        name -> Text,
        kind -> Text,
        parent_id -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    unit_targets (unit_id, year) {
        unit_id -> Text,
        year -> Integer,
        case_target -> Integer,
    }
}

diesel::table! {
    law_firms (id) {
        id -> Text,
        name -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    people (id) {
        id -> Text,
        name -> Text,
        unit_id -> Text,
        law_firm_id -> Nullable<Text>,
        years_of_practice -> Integer,
        may_lead -> Bool,
        phone -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    person_expertise (person_id, case_type) {
        person_id -> Text,
        case_type -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> Text,
        login -> Text,
        display_name -> Text,
        password_hash -> Text,
        role -> Text,
        person_id -> Nullable<Text>,
        unit_id -> Nullable<Text>,
        active -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    sessions (id) {
        id -> Text,
        user_id -> Text,
        csrf_token -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Text,
        login -> Text,
        client_ip -> Text,
        succeeded -> Bool,
        attempted_at -> Timestamp,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<Text>,
        actor_login -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> Nullable<Text>,
        before_json -> Nullable<Text>,
        after_json -> Nullable<Text>,
        client_ip -> Nullable<Text>,
    }
}

diesel::joinable!(unit_targets -> units (unit_id));
diesel::joinable!(people -> units (unit_id));
diesel::joinable!(people -> law_firms (law_firm_id));
diesel::joinable!(person_expertise -> people (person_id));
diesel::joinable!(users -> people (person_id));
diesel::joinable!(users -> units (unit_id));
diesel::joinable!(sessions -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    units,
    unit_targets,
    law_firms,
    people,
    person_expertise,
    users,
    sessions,
    login_attempts,
    audit_log,
    rubric_snapshots,
);

diesel::table! {
    rubric_snapshots (content_hash) {
        content_hash -> Text,
        rubric_id -> Text,
        title -> Text,
        version -> Text,
        method -> Text,
        case_types -> Text,
        file_name -> Text,
        origin -> Text,
        source -> Text,
        created_at -> Timestamp,
        created_by -> Text,
    }
}
