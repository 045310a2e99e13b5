WITH session_user_pairs AS 
(SELECT interaction_log.session_id AS session_id, min(interaction_log.time_stamp) AS first_seen, max(interaction_log.time_stamp) AS last_seen, nullif(interaction_log.user_id, $3::VARCHAR) AS user_id 
FROM interaction_log 
WHERE interaction_log.time_stamp >= $4::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.time_stamp <= $5::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.session_id != $6::VARCHAR GROUP BY interaction_log.session_id, nullif(interaction_log.user_id, $3::VARCHAR)), 
users AS 
(SELECT session_user_pairs.user_id AS user_id, count(*) AS sessions, min(session_user_pairs.first_seen) AS first_seen, max(session_user_pairs.last_seen) AS last_seen 
FROM session_user_pairs 
WHERE session_user_pairs.user_id IS NOT NULL GROUP BY session_user_pairs.user_id)
 SELECT count(*) AS relation_rows, count(*) FILTER (WHERE users.sessions >= $1::INTEGER) AS returning_users__returning_users, round(CAST(avg(users.sessions) FILTER (WHERE users.sessions >= $1::INTEGER) AS NUMERIC), $2::INTEGER) AS returning_users__avg_sessions_per_returning_user, (SELECT users.user_id 
FROM users ORDER BY users.sessions DESC, users.user_id COLLATE "C" 
 LIMIT $7::INTEGER) AS returning_users__most_active_user_id, max(users.sessions) AS returning_users__most_active_sessions, round(CAST(avg(EXTRACT(epoch FROM users.last_seen - users.first_seen) / CAST(CAST($8::NUMERIC AS NUMERIC) AS NUMERIC)) FILTER (WHERE users.sessions >= $1::INTEGER) AS NUMERIC), $9::INTEGER) AS returning_users__avg_days_first_to_last_chat, (SELECT users.user_id 
FROM users 
WHERE users.sessions >= $1::INTEGER ORDER BY EXTRACT(epoch FROM users.last_seen - users.first_seen) / CAST(CAST($8::NUMERIC AS NUMERIC) AS NUMERIC) DESC, users.user_id COLLATE "C" 
 LIMIT $10::INTEGER) AS returning_users__longest_span_user_id, round(CAST(max(EXTRACT(epoch FROM users.last_seen - users.first_seen) / CAST(CAST($8::NUMERIC AS NUMERIC) AS NUMERIC)) FILTER (WHERE users.sessions >= $1::INTEGER) AS NUMERIC), $11::INTEGER) AS returning_users__longest_span_days 
FROM users
