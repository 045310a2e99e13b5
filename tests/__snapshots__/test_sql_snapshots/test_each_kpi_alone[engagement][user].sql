WITH session_user_pairs AS 
(SELECT interaction_log.session_id AS session_id, min(interaction_log.time_stamp) AS first_seen, max(interaction_log.time_stamp) AS last_seen, nullif(interaction_log.user_id, $2::VARCHAR) AS user_id 
FROM interaction_log 
WHERE interaction_log.time_stamp >= $3::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.time_stamp <= $4::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.session_id != $5::VARCHAR GROUP BY interaction_log.session_id, nullif(interaction_log.user_id, $2::VARCHAR)), 
users AS 
(SELECT session_user_pairs.user_id AS user_id, count(*) AS sessions, min(session_user_pairs.first_seen) AS first_seen, max(session_user_pairs.last_seen) AS last_seen 
FROM session_user_pairs 
WHERE session_user_pairs.user_id IS NOT NULL GROUP BY session_user_pairs.user_id)
 SELECT count(*) AS relation_rows, count(*) AS engagement__unique_users, round(CAST(avg(users.sessions) AS NUMERIC), $1::INTEGER) AS engagement__avg_conversations_per_user 
FROM users
