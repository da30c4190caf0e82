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
    throttle_attempts (id) {
        id -> Text,
        kind -> Text,
        login -> Text,
        client_ip -> Text,
        failed -> Bool,
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
        seq -> Nullable<BigInt>,
        prev_hash -> Nullable<Text>,
        entry_hash -> Nullable<Text>,
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
    throttle_attempts,
    audit_log,
    rubric_snapshots,
    review_rounds,
    round_rubrics,
    case_files,
    pending_imports,
    sampling_plans,
    samples,
    sample_candidates,
    sample_picks,
    assignment_versions,
    score_sheets,
    reconciliations,
    bureau_settings,
    doc_number_sequences,
    findings,
    rectification_notices,
    notice_findings,
    rectification_transitions,
    evidence_files,
    notifications,
    team_approvals,
    server_keys,
    offline_packets,
    round_objection_settings,
    round_panel_members,
    objections,
    borderline_reviews,
    issued_documents,
    audit_head,
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

diesel::table! {
    review_rounds (id) {
        id -> Text,
        name -> Text,
        period_start -> Date,
        period_end -> Date,
        status -> Text,
        combine_rule -> Text,
        escalate_gap_tenths -> Integer,
        review_deadline -> Nullable<Date>,
        rectification_days -> Integer,
        blind -> Bool,
        created_at -> Timestamp,
        created_by -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    round_rubrics (round_id, case_type) {
        round_id -> Text,
        case_type -> Text,
        content_hash -> Text,
    }
}

diesel::table! {
    case_files (id) {
        id -> Text,
        unit_id -> Text,
        case_no -> Text,
        recipient -> Text,
        recipient_id_no -> Nullable<Text>,
        recipient_phone -> Nullable<Text>,
        handler -> Text,
        firm -> Text,
        case_type -> Text,
        sub_type -> Nullable<Text>,
        cause -> Text,
        applied_at -> Nullable<Date>,
        assigned_at -> Nullable<Date>,
        closed_at -> Date,
        archived_at -> Nullable<Date>,
        terminated -> Bool,
        guilty_plea -> Bool,
        notified_defense -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    pending_imports (id) {
        id -> Text,
        kind -> Text,
        round_id -> Nullable<Text>,
        default_unit_id -> Nullable<Text>,
        file_name -> Text,
        file_sha256 -> Text,
        content -> Binary,
        created_at -> Timestamp,
        created_by -> Text,
    }
}

diesel::table! {
    sampling_plans (round_id) {
        round_id -> Text,
        plan_json -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    samples (round_id) {
        round_id -> Text,
        seed -> Text,
        plan_json -> Text,
        proof_json -> Text,
        frozen_at -> Timestamp,
        frozen_by -> Text,
    }
}

diesel::table! {
    sample_candidates (round_id, case_file_id) {
        round_id -> Text,
        case_file_id -> Text,
    }
}

diesel::table! {
    sample_picks (round_id, case_file_id) {
        round_id -> Text,
        case_file_id -> Text,
        stratum -> Text,
        designated -> Bool,
    }
}

diesel::joinable!(round_rubrics -> review_rounds (round_id));
diesel::joinable!(case_files -> units (unit_id));
diesel::joinable!(sample_picks -> case_files (case_file_id));
diesel::joinable!(sample_candidates -> case_files (case_file_id));

diesel::table! {
    assignment_versions (id) {
        id -> Text,
        round_id -> Text,
        version -> Integer,
        status -> Text,
        seed -> Text,
        problem_json -> Text,
        assignment_json -> Text,
        quality_json -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
        created_by -> Text,
        published_at -> Nullable<Timestamp>,
        published_by -> Nullable<Text>,
    }
}

diesel::table! {
    score_sheets (id) {
        id -> Text,
        round_id -> Text,
        case_file_id -> Text,
        reviewer_id -> Text,
        rubric_hash -> Text,
        state -> Text,
        version -> BigInt,
        answers_json -> Text,
        total_tenths -> Nullable<Integer>,
        grade -> Nullable<Text>,
        leader_comment -> Nullable<Text>,
        reopen_reason -> Nullable<Text>,
        submitted_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    reconciliations (id) {
        id -> Text,
        round_id -> Text,
        case_file_id -> Text,
        final_total_tenths -> Nullable<Integer>,
        final_grade -> Text,
        vetoed -> Bool,
        reason -> Text,
        participants_json -> Text,
        trigger_reasons_json -> Text,
        decided_by -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    bureau_settings (id) {
        id -> Text,
        bureau_name -> Text,
        doc_prefix -> Text,
        contact -> Text,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    doc_number_sequences (prefix, year) {
        prefix -> Text,
        year -> Integer,
        last_serial -> Integer,
    }
}

diesel::table! {
    findings (id) {
        id -> Text,
        round_id -> Text,
        case_file_id -> Text,
        unit_id -> Text,
        item_code -> Text,
        item_text -> Text,
        handler_name -> Text,
        law_firm_name -> Nullable<Text>,
        points_tenths -> Integer,
        reason -> Text,
        page_ref -> Nullable<Text>,
        source -> Text,
        severity -> Text,
        origin_key -> Nullable<Text>,
        state -> Text,
        measures -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    rectification_notices (id) {
        id -> Text,
        round_id -> Text,
        unit_id -> Text,
        state -> Text,
        doc_number -> Nullable<Text>,
        doc_prefix -> Nullable<Text>,
        doc_year -> Nullable<Integer>,
        doc_serial -> Nullable<Integer>,
        issued_on -> Nullable<Date>,
        deadline -> Nullable<Date>,
        days -> Integer,
        report -> Text,
        follow_up_round_id -> Nullable<Text>,
        follow_up_note -> Nullable<Text>,
        created_by -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        issued_code -> Nullable<Text>,
        corrects_number -> Nullable<Text>,
    }
}

diesel::table! {
    notice_findings (notice_id, finding_id) {
        notice_id -> Text,
        finding_id -> Text,
        reasons -> Text,
    }
}

diesel::table! {
    rectification_transitions (id) {
        id -> Text,
        notice_id -> Text,
        finding_id -> Nullable<Text>,
        subject -> Text,
        action -> Text,
        from_state -> Text,
        to_state -> Text,
        actor_user_id -> Text,
        actor_role -> Text,
        comment -> Nullable<Text>,
        at -> Timestamp,
    }
}

diesel::table! {
    evidence_files (id) {
        id -> Text,
        finding_id -> Text,
        notice_id -> Text,
        unit_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        sha256 -> Text,
        content -> Binary,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> Text,
        user_id -> Text,
        kind -> Text,
        notice_id -> Nullable<Text>,
        message -> Text,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
        objection_id -> Nullable<Text>,
        link -> Nullable<Text>,
        once_key -> Nullable<Text>,
    }
}

diesel::joinable!(findings -> case_files (case_file_id));
diesel::joinable!(findings -> units (unit_id));
diesel::joinable!(rectification_notices -> units (unit_id));
diesel::joinable!(notice_findings -> rectification_notices (notice_id));
diesel::joinable!(notice_findings -> findings (finding_id));
diesel::joinable!(evidence_files -> findings (finding_id));

diesel::table! {
    team_approvals (id) {
        id -> Text,
        round_id -> Text,
        team_number -> Integer,
        files -> Integer,
        approved_by -> Text,
        approved_at -> Timestamp,
    }
}

diesel::table! {
    server_keys (purpose) {
        purpose -> Text,
        key_hex -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    offline_packets (id) {
        id -> Text,
        round_id -> Text,
        reviewer_id -> Text,
        issued_by -> Text,
        issued_at -> Timestamp,
        expires_at -> Timestamp,
        sheets_json -> Text,
        packet_sha256 -> Text,
        packet_text -> Text,
        applied_at -> Nullable<Timestamp>,
        applied_by -> Nullable<Text>,
    }
}

diesel::table! {
    round_objection_settings (round_id) {
        round_id -> Text,
        objection_days -> Integer,
        borderline_review -> Bool,
        borderline_tenths -> Integer,
        feedback_on -> Nullable<Date>,
    }
}

diesel::table! {
    round_panel_members (round_id, user_id) {
        round_id -> Text,
        user_id -> Text,
    }
}

diesel::table! {
    objections (id) {
        id -> Text,
        round_id -> Text,
        case_file_id -> Text,
        unit_id -> Text,
        finding_id -> Text,
        target_kind -> Text,
        item_code -> Text,
        item_text -> Text,
        state -> Text,
        reason -> Text,
        old_points_tenths -> Integer,
        new_points_tenths -> Nullable<Integer>,
        decision_reason -> Nullable<Text>,
        filed_by -> Text,
        filed_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        evidence_name -> Nullable<Text>,
        evidence_type -> Nullable<Text>,
        evidence_size -> Nullable<BigInt>,
        evidence_sha256 -> Nullable<Text>,
        evidence_content -> Nullable<Binary>,
    }
}

diesel::table! {
    borderline_reviews (round_id, case_file_id) {
        round_id -> Text,
        case_file_id -> Text,
        reason -> Text,
        reviewer_id -> Nullable<Text>,
        problem -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::joinable!(round_panel_members -> users (user_id));
diesel::joinable!(objections -> case_files (case_file_id));
diesel::joinable!(objections -> units (unit_id));
diesel::joinable!(objections -> findings (finding_id));

diesel::table! {
    issued_documents (code) {
        code -> Text,
        kind -> Text,
        subject -> Text,
        sha256 -> Text,
        size_bytes -> BigInt,
        pages -> Integer,
        issued_at -> Timestamp,
        issued_by -> Nullable<Text>,
        issuer -> Text,
        content -> Nullable<Binary>,
        chain_seq -> Nullable<BigInt>,
        chain_hash -> Nullable<Text>,
        superseded_by -> Nullable<Text>,
        superseded_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    audit_head (id) {
        id -> Integer,
        seq -> BigInt,
        entry_hash -> Text,
    }
}

// The electronic case file (电子卷宗): blob store, documents, catalogue, document kinds.
diesel::table! {
    blobs (sha256) {
        sha256 -> Text,
        size_bytes -> BigInt,
        chunk_bytes -> Integer,
        chunk_count -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    blob_chunks (sha256, seq) {
        sha256 -> Text,
        seq -> Integer,
        data -> Binary,
    }
}

diesel::table! {
    ecf_documents (id) {
        id -> Text,
        case_file_id -> Text,
        position -> Integer,
        name -> Text,
        media_type -> Text,
        pages -> Integer,
        size_bytes -> BigInt,
        sha256 -> Text,
        uploaded_by -> Text,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    ecf_catalogue_entries (case_file_id, seq) {
        case_file_id -> Text,
        seq -> Integer,
        title -> Text,
        kind -> Nullable<Text>,
        entry_date -> Nullable<Date>,
        from_page -> Integer,
        to_page -> Integer,
    }
}

diesel::table! {
    ecf_document_kinds (name) {
        name -> Text,
        position -> Integer,
        keywords -> Text,
    }
}

diesel::joinable!(blob_chunks -> blobs (sha256));
diesel::joinable!(ecf_documents -> case_files (case_file_id));
diesel::joinable!(ecf_catalogue_entries -> case_files (case_file_id));
diesel::allow_tables_to_appear_in_same_query!(
    blobs,
    blob_chunks,
    ecf_documents,
    ecf_catalogue_entries,
    ecf_document_kinds
);
diesel::allow_tables_to_appear_in_same_query!(ecf_documents, case_files);
diesel::allow_tables_to_appear_in_same_query!(ecf_documents, units);
diesel::allow_tables_to_appear_in_same_query!(ecf_documents, sample_picks);
