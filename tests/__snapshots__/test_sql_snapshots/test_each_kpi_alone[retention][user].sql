WITH session_user_pairs AS 
(SELECT interaction_log.session_id AS session_id, min(interaction_log.time_stamp) AS first_seen, max(interaction_log.time_stamp) AS last_seen, nullif(interaction_log.user_id, $9::VARCHAR) AS user_id 
FROM interaction_log 
WHERE interaction_log.time_stamp >= $10::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.time_stamp <= $11::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.session_id != $12::VARCHAR GROUP BY interaction_log.session_id, nullif(interaction_log.user_id, $9::VARCHAR)), 
users AS 
(SELECT session_user_pairs.user_id AS user_id, count(*) AS sessions, min(session_user_pairs.first_seen) AS first_seen, max(session_user_pairs.last_seen) AS last_seen 
FROM session_user_pairs 
WHERE session_user_pairs.user_id IS NOT NULL GROUP BY session_user_pairs.user_id)
 SELECT count(*) AS relation_rows, count(*) AS retention__unique_users, count(*) FILTER (WHERE users.sessions >= $1::INTEGER) AS retention__returning_users, count(*) FILTER (WHERE users.sessions = $2::INTEGER) AS retention__one_time_users, round(CAST(($3::INTEGER * CAST(count(*) FILTER (WHERE users.sessions >= $1::INTEGER) AS NUMERIC)) / CAST(nullif(count(*), $4::INTEGER) AS NUMERIC) AS NUMERIC), $5::INTEGER) AS retention__returning_users_pct, round(CAST(($6::INTEGER * CAST(count(*) FILTER (WHERE users.sessions = $2::INTEGER) AS NUMERIC)) / CAST(nullif(count(*), $7::INTEGER) AS NUMERIC) AS NUMERIC), $8::INTEGER) AS retention__one_time_users_pct 
FROM users
