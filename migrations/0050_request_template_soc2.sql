-- +goose Up
-- The firm's standard SOC 2 request list (shared/domain/soc2.md §8); admins and managers edit it
-- at /admin/request-template. Seeded only when the firm has no template yet.
INSERT INTO request_templates (position, title, description, criteria)
SELECT v.position, v.title, '', v.criteria FROM (VALUES
    (1, 'Organization chart', ARRAY['CC1.3']::text[]),
    (2, 'Code of conduct and employee acknowledgements', ARRAY['CC1.1']::text[]),
    (3, 'Board / audit committee charter and minutes for the period', ARRAY['CC1.2','CC2.2']::text[]),
    (4, 'Information security policy set, with approval and review dates', ARRAY['CC5.3','CC2.2']::text[]),
    (5, 'List of employees hired in the period (population)', ARRAY['CC1.4','CC6.2']::text[]),
    (6, 'Background check evidence for sampled hires', ARRAY['CC1.4']::text[]),
    (7, 'Security awareness training records', ARRAY['CC1.4','CC2.2']::text[]),
    (8, 'List of terminated employees in the period (population)', ARRAY['CC6.2','CC6.3']::text[]),
    (9, 'Access removal evidence for sampled terminations', ARRAY['CC6.2']::text[]),
    (10, 'User access review evidence (quarterly)', ARRAY['CC6.3']::text[]),
    (11, 'List of users with privileged / production access', ARRAY['CC6.1','CC6.3']::text[]),
    (12, 'Password / MFA configuration screenshots', ARRAY['CC6.1']::text[]),
    (13, 'Network diagram and data-flow diagram', ARRAY['CC6.6','DC3']::text[]),
    (14, 'Firewall / security-group configuration', ARRAY['CC6.6']::text[]),
    (15, 'Encryption at rest and in transit configuration', ARRAY['CC6.1','CC6.7']::text[]),
    (16, 'Endpoint protection / anti-malware deployment report', ARRAY['CC6.8']::text[]),
    (17, 'Vulnerability scan results and remediation tickets', ARRAY['CC7.1']::text[]),
    (18, 'Latest penetration test report and remediation', ARRAY['CC4.1','CC7.1']::text[]),
    (19, 'Monitoring and alerting configuration (e.g. SIEM rules)', ARRAY['CC7.2']::text[]),
    (20, 'Security incident log for the period, with tickets', ARRAY['CC7.3','CC7.4','DC4']::text[]),
    (21, 'Incident response plan and its last test', ARRAY['CC7.4','CC7.5']::text[]),
    (22, 'List of production changes in the period (population)', ARRAY['CC8.1']::text[]),
    (23, 'Approval and testing evidence for sampled changes', ARRAY['CC8.1']::text[]),
    (24, 'Risk assessment for the period', ARRAY['CC3.1','CC3.2','CC3.3','CC3.4']::text[]),
    (25, 'Vendor list with criticality; vendors'' SOC reports reviewed', ARRAY['CC9.2','DC6']::text[]),
    (26, 'Business continuity / disaster recovery plan and test results', ARRAY['CC9.1','A1.3']::text[]),
    (27, 'Backup configuration and restore test evidence', ARRAY['A1.2','A1.3']::text[]),
    (28, 'Capacity monitoring dashboards', ARRAY['A1.1']::text[]),
    (29, 'Data classification and retention policy', ARRAY['C1.1','C1.2']::text[]),
    (30, 'Data disposal evidence', ARRAY['C1.2','CC6.5']::text[]),
    (31, 'Customer contracts / SLAs (commitments)', ARRAY['DC2','CC2.3']::text[]),
    (32, 'Privacy notice and consent records (if Privacy in scope)', ARRAY['P1.1','P2.1']::text[])
) AS v(position, title, criteria)
WHERE NOT EXISTS (SELECT 1 FROM request_templates);

-- +goose Down
DELETE FROM request_templates;
