-- +goose Up
-- The 2017 Trust Services Criteria (points of focus revised 2022). Summaries are ours; the
-- AICPA's licensed wording is loaded by the firm into official_text (attest criteria import).
CREATE TABLE criteria (
    id            text PRIMARY KEY,
    category      text NOT NULL CHECK (category IN ('security','availability','confidentiality','processing_integrity','privacy')),
    series        text NOT NULL,
    series_title  text NOT NULL,
    summary       text NOT NULL,
    official_text text NOT NULL DEFAULT '',
    sort_order    integer NOT NULL
);
INSERT INTO criteria (id, category, series, series_title, summary, sort_order) VALUES
    ('CC1.1','security','CC1','Control environment','Leadership shows commitment to integrity and ethical values',10),
    ('CC1.2','security','CC1','Control environment','The board is independent of management and oversees internal control',20),
    ('CC1.3','security','CC1','Control environment','Management sets structures, reporting lines, authorities and responsibilities',30),
    ('CC1.4','security','CC1','Control environment','The organization attracts, develops and retains competent people',40),
    ('CC1.5','security','CC1','Control environment','People are held accountable for their internal control responsibilities',50),
    ('CC2.1','security','CC2','Communication and information','Relevant, quality information is obtained or produced to support internal control',60),
    ('CC2.2','security','CC2','Communication and information','Internal control objectives and responsibilities are communicated internally',70),
    ('CC2.3','security','CC2','Communication and information','Matters affecting internal control are communicated with external parties',80),
    ('CC3.1','security','CC3','Risk assessment','Objectives are specified clearly enough to identify and assess risks',90),
    ('CC3.2','security','CC3','Risk assessment','Risks to objectives are identified and analysed to decide how to manage them',100),
    ('CC3.3','security','CC3','Risk assessment','The potential for fraud is considered in assessing risks',110),
    ('CC3.4','security','CC3','Risk assessment','Changes that could significantly affect internal control are identified and assessed',120),
    ('CC4.1','security','CC4','Monitoring activities','Ongoing and/or separate evaluations check that controls are present and functioning',130),
    ('CC4.2','security','CC4','Monitoring activities','Control deficiencies are evaluated and communicated in time for corrective action',140),
    ('CC5.1','security','CC5','Control activities','Control activities are selected and developed to reduce risks to acceptable levels',150),
    ('CC5.2','security','CC5','Control activities','General control activities over technology are selected and developed',160),
    ('CC5.3','security','CC5','Control activities','Control activities are deployed through policies and procedures',170),
    ('CC6.1','security','CC6','Logical and physical access','Logical access security software, infrastructure and architectures protect information assets',180),
    ('CC6.2','security','CC6','Logical and physical access','New users are registered and authorized before access is granted; access is removed when no longer needed',190),
    ('CC6.3','security','CC6','Logical and physical access','Access is granted, changed and removed by role and least privilege, with segregation of duties',200),
    ('CC6.4','security','CC6','Logical and physical access','Physical access to facilities and protected assets is restricted to authorized people',210),
    ('CC6.5','security','CC6','Logical and physical access','Protections over physical assets end only after data on them can no longer be read or recovered',220),
    ('CC6.6','security','CC6','Logical and physical access','Logical access measures protect against threats from outside the system boundaries',230),
    ('CC6.7','security','CC6','Logical and physical access','Transmission, movement and removal of information is restricted and protected',240),
    ('CC6.8','security','CC6','Logical and physical access','Unauthorized or malicious software is prevented or detected',250),
    ('CC7.1','security','CC7','System operations','Detection and monitoring find configuration changes and new vulnerabilities',260),
    ('CC7.2','security','CC7','System operations','System components are monitored for anomalies that indicate malicious acts, disasters or errors',270),
    ('CC7.3','security','CC7','System operations','Security events are evaluated to decide whether they are incidents',280),
    ('CC7.4','security','CC7','System operations','Identified security incidents are responded to under a defined programme',290),
    ('CC7.5','security','CC7','System operations','The organization recovers from identified security incidents',300),
    ('CC8.1','security','CC8','Change management','Changes to infrastructure, data, software and procedures are authorized, designed, tested, approved and implemented',310),
    ('CC9.1','security','CC9','Risk mitigation','Risks of business disruption are identified, selected and mitigated',320),
    ('CC9.2','security','CC9','Risk mitigation','Risks from vendors and business partners are assessed and managed',330),
    ('A1.1','availability','A1','Additional criteria for availability','Current processing capacity and use are monitored and capacity is planned',340),
    ('A1.2','availability','A1','Additional criteria for availability','Environmental protections, software, backups and recovery infrastructure are in place',350),
    ('A1.3','availability','A1','Additional criteria for availability','Recovery plan procedures are tested',360),
    ('C1.1','confidentiality','C1','Additional criteria for confidentiality','Confidential information is identified and maintained to meet objectives',370),
    ('C1.2','confidentiality','C1','Additional criteria for confidentiality','Confidential information is disposed of to meet objectives',380),
    ('PI1.1','processing_integrity','PI1','Additional criteria for processing integrity','Information about processing objectives, data definitions and specifications is produced and used',390),
    ('PI1.2','processing_integrity','PI1','Additional criteria for processing integrity','Inputs are complete and accurate',400),
    ('PI1.3','processing_integrity','PI1','Additional criteria for processing integrity','Processing is complete, accurate and timely',410),
    ('PI1.4','processing_integrity','PI1','Additional criteria for processing integrity','Outputs are complete, accurate, distributed only to intended parties and timely',420),
    ('PI1.5','processing_integrity','PI1','Additional criteria for processing integrity','Inputs, items in processing and outputs are stored completely and accurately',430),
    ('P1.1','privacy','P1','Notice','Data subjects get notice of privacy practices',440),
    ('P2.1','privacy','P2','Choice and consent','Choices about collection, use, retention, disclosure and disposal are communicated and consent obtained',450),
    ('P3.1','privacy','P3','Collection','Personal information is collected consistent with objectives',460),
    ('P3.2','privacy','P3','Collection','Explicit consent is obtained where required, and its consequences explained',470),
    ('P4.1','privacy','P4','Use, retention and disposal','Use of personal information is limited to the stated purposes',480),
    ('P4.2','privacy','P4','Use, retention and disposal','Personal information is retained only as needed',490),
    ('P4.3','privacy','P4','Use, retention and disposal','Personal information is securely disposed of',500),
    ('P5.1','privacy','P5','Access','Data subjects can access their stored personal information',510),
    ('P5.2','privacy','P5','Access','Data subjects can have their personal information corrected or amended',520),
    ('P6.1','privacy','P6','Disclosure and notification','Disclosure to third parties happens only with consent and for identified purposes',530),
    ('P6.2','privacy','P6','Disclosure and notification','Authorized disclosures are recorded completely and accurately',540),
    ('P6.3','privacy','P6','Disclosure and notification','Unauthorized disclosures, including breaches, are recorded',550),
    ('P6.4','privacy','P6','Disclosure and notification','Commitments are obtained from vendors and third parties who receive personal information',560),
    ('P6.5','privacy','P6','Disclosure and notification','Vendors and third parties notify of unauthorized disclosures',570),
    ('P6.6','privacy','P6','Disclosure and notification','Breaches and incidents are notified to affected data subjects, regulators and others',580),
    ('P6.7','privacy','P6','Disclosure and notification','Data subjects can obtain an accounting of their personal information held and disclosed',590),
    ('P7.1','privacy','P7','Quality','Personal information is accurate, complete and relevant',600),
    ('P8.1','privacy','P8','Monitoring and enforcement','Privacy compliance is monitored; inquiries, complaints and disputes are handled',610);

CREATE TABLE engagements (
    id                  bigserial PRIMARY KEY,
    client_id           bigint NOT NULL REFERENCES clients(id),
    name                text NOT NULL,
    report_type         text NOT NULL CHECK (report_type IN ('type1','type2')),
    as_of_date          date,
    period_start        date,
    period_end          date,
    report_date         date,
    -- Categories in scope besides Security, which is always in scope.
    categories          text[] NOT NULL DEFAULT '{security}',
    status              text NOT NULL DEFAULT 'planning'
                        CHECK (status IN ('planning','fieldwork','review','signed','issued','archived')),
    period_warning_reason text NOT NULL DEFAULT '',
    prior_engagement_id bigint REFERENCES engagements(id),
    -- Set when the partner signs the opinion: the engagement is then read-only.
    locked_at           timestamptz,
    -- Report release date starts the 60-day assembly and 5-year retention clocks.
    released_at         timestamptz,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((report_type = 'type1' AND as_of_date IS NOT NULL) OR
           (report_type = 'type2' AND period_start IS NOT NULL AND period_end IS NOT NULL AND period_end > period_start))
);
CREATE INDEX engagements_client_idx ON engagements (client_id);
CREATE INDEX engagements_status_idx ON engagements (status);

-- The team: firm members (partner, manager, senior, staff) and client contacts.
CREATE TABLE engagement_members (
    engagement_id             bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    user_id                   bigint NOT NULL REFERENCES users(id),
    role                      text NOT NULL CHECK (role IN ('partner','manager','senior','staff','client_contact')),
    independence_confirmed_at timestamptz,
    created_at                timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (engagement_id, user_id)
);
CREATE INDEX engagement_members_user_idx ON engagement_members (user_id);

CREATE TABLE subservice_organizations (
    id            bigserial PRIMARY KEY,
    engagement_id bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    name          text NOT NULL,
    services      text NOT NULL DEFAULT '',
    method        text NOT NULL CHECK (method IN ('carve_out','inclusive')),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX subservice_organizations_engagement_idx ON subservice_organizations (engagement_id);

CREATE TABLE controls (
    id            bigserial PRIMARY KEY,
    engagement_id bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    ref           text NOT NULL,
    description   text NOT NULL,
    owner         text NOT NULL DEFAULT '',
    -- One of the standard frequencies; free text from an import is kept in frequency_note.
    frequency     text NOT NULL CHECK (frequency IN ('annual','quarterly','monthly','weekly','daily','multiple_daily','automated','as_needed')),
    frequency_note text NOT NULL DEFAULT '',
    nature        text NOT NULL DEFAULT 'manual' CHECK (nature IN ('manual','automated','it_dependent_manual')),
    control_type  text NOT NULL DEFAULT 'preventive' CHECK (control_type IN ('preventive','detective')),
    risk          text NOT NULL DEFAULT 'low' CHECK (risk IN ('low','higher')),
    sort_order    integer NOT NULL DEFAULT 0,
    version       integer NOT NULL DEFAULT 1,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX controls_engagement_ref_key ON controls (engagement_id, lower(ref));

CREATE TABLE control_criteria (
    control_id   bigint NOT NULL REFERENCES controls(id) ON DELETE CASCADE,
    criterion_id text NOT NULL REFERENCES criteria(id),
    PRIMARY KEY (control_id, criterion_id)
);
CREATE INDEX control_criteria_criterion_idx ON control_criteria (criterion_id);

-- CUECs (user entities) and CSOCs (subservice organizations) that the criteria rely on.
CREATE TABLE complementary_controls (
    id                          bigserial PRIMARY KEY,
    engagement_id               bigint NOT NULL REFERENCES engagements(id) ON DELETE CASCADE,
    kind                        text NOT NULL CHECK (kind IN ('cuec','csoc')),
    ref                         text NOT NULL DEFAULT '',
    description                 text NOT NULL,
    subservice_organization_id  bigint REFERENCES subservice_organizations(id) ON DELETE SET NULL,
    version                     integer NOT NULL DEFAULT 1,
    created_at                  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX complementary_controls_engagement_idx ON complementary_controls (engagement_id);

CREATE TABLE complementary_control_criteria (
    complementary_control_id bigint NOT NULL REFERENCES complementary_controls(id) ON DELETE CASCADE,
    criterion_id             text NOT NULL REFERENCES criteria(id),
    PRIMARY KEY (complementary_control_id, criterion_id)
);

-- +goose Down
DROP TABLE complementary_control_criteria;
DROP TABLE complementary_controls;
DROP TABLE control_criteria;
DROP TABLE controls;
DROP TABLE subservice_organizations;
DROP TABLE engagement_members;
DROP TABLE engagements;
DROP TABLE criteria;
