-- +goose Up
-- A starting library of reusable test procedures, offered when an auditor writes a test for a
-- control mapped to the criterion. Firms edit and extend it.
INSERT INTO procedure_library (criterion_id, title, procedure, techniques) VALUES
 ('CC1.1', 'Code of conduct acknowledgements', 'Obtain the list of new hires in the period. For a sample, inspect the signed code of conduct acknowledgement and compare its date with the start date to confirm it was signed within the required time.', '{inquiry,inspection}'),
 ('CC1.2', 'Board oversight of security', 'Inspect the board or committee minutes for the sampled quarters to confirm that security metrics and risks were presented and discussed.', '{inspection}'),
 ('CC1.4', 'Security awareness training', 'Obtain the list of new hires and of current employees in the period. For a sample, inspect training completion records and confirm training was completed at hire and within the last year.', '{inquiry,inspection}'),
 ('CC1.4', 'Background checks', 'For a sample of new hires, inspect the background check result and confirm it was completed before the start date.', '{inspection}'),
 ('CC4.1', 'Penetration test and follow-up', 'Inspect the latest penetration test report and the tickets for its findings; confirm high findings were remediated or risk-accepted by management.', '{inspection}'),
 ('CC6.1', 'MFA enforcement', 'Inspect the identity provider configuration to confirm MFA is required for all workforce accounts; observe a login attempt without a second factor being refused.', '{inspection,observation}'),
 ('CC6.1', 'Encryption at rest and in transit', 'Inspect storage encryption settings and the TLS configuration of public endpoints; reperform a TLS scan of one endpoint.', '{inspection,reperformance}'),
 ('CC6.2', 'Access provisioning approval', 'Obtain the population of access grants in the period. For a sample, inspect the access request and confirm the manager approved it before access was provisioned.', '{inspection}'),
 ('CC6.2', 'Timely removal of access', 'Obtain the list of terminated employees in the period. For a sample, compare the termination date with the deprovisioning log and confirm access was removed within the required time.', '{inspection,reperformance}'),
 ('CC6.3', 'User access reviews', 'For the sampled quarters, inspect the user access review of production systems, the reviewer sign-off and the tickets removing inappropriate access.', '{inspection}'),
 ('CC7.1', 'Vulnerability scanning and remediation', 'For a sample of weeks, inspect the vulnerability scan results and confirm critical findings were fixed within the required days, using the remediation tickets.', '{inspection}'),
 ('CC7.2', 'Alert triage', 'For a sample of alerts from the monitoring system, inspect the ticket or on-call record showing the alert was triaged and resolved.', '{inspection,inquiry}'),
 ('CC7.4', 'Incident response', 'Obtain the incident log for the period. For each incident (or a sample), inspect the ticket and post-mortem and confirm the response plan was followed.', '{inspection}'),
 ('CC8.1', 'Change management', 'Obtain the population of production changes in the period. For a sample, inspect the pull request for peer review approval and passing tests before deployment.', '{inspection}'),
 ('CC9.2', 'Vendor reviews', 'Inspect the vendor list and, for critical vendors, the annual review and the SOC report assessment.', '{inspection}'),
 ('A1.1', 'Capacity monitoring', 'Inspect the capacity monitoring configuration and alert thresholds; inspect one alert and its follow-up.', '{inspection}'),
 ('A1.2', 'Backups', 'For a sample of days, inspect the backup job logs to confirm backups completed successfully; inspect the backup configuration.', '{inspection}'),
 ('A1.3', 'Restore tests', 'Inspect the restore test records for the sampled quarters and confirm the restored data was validated.', '{inspection,reperformance}');

-- +goose Down
DELETE FROM procedure_library WHERE created_at IS NOT NULL AND title IN ('Code of conduct acknowledgements','Board oversight of security',
 'Security awareness training','Background checks','Penetration test and follow-up','MFA enforcement','Encryption at rest and in transit',
 'Access provisioning approval','Timely removal of access','User access reviews','Vulnerability scanning and remediation','Alert triage',
 'Incident response','Change management','Vendor reviews','Capacity monitoring','Backups','Restore tests');
