WITH sessions AS 
(SELECT interaction_log.session_id AS session_id, min(interaction_log.time_stamp) AS first_seen, max(interaction_log.time_stamp) AS last_seen 
FROM interaction_log 
WHERE interaction_log.time_stamp >= $1::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.time_stamp <= $2::TIMESTAMP WITHOUT TIME ZONE AND interaction_log.session_id != $3::VARCHAR GROUP BY interaction_log.session_id)
 SELECT count(*) AS relation_rows, count(*) AS engagement__total_conversations 
FROM sessions
