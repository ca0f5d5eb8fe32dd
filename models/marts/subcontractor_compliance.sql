-- grain: one row per (job, subcontractor) BuildOps assignment active on the as-of date
-- unique: company_code, job_number, vendor_code
-- not_null: company_code, job_number, vendor_code, w9_on_file, open_ap_amount, is_compliant, reasons, detail
-- check reasons_agree_with_is_compliant:
--   select 1 from {{ this }} where is_compliant <> (reasons = '')
-- check coverage_reason_names_the_requirement:
--   select 1 from {{ this }}
--   where (reasons like '%coverage_below_requirement%')
--      <> (required_coverage is not null and coi_expires_on is not null and (coverage_amount is null or coverage_amount < required_coverage))
-- check coi_expired_means_before_as_of:
--   select 1 from {{ this }}
--   where (reasons like '%coi_expired%') <> (coi_expires_on is not null and coi_expires_on < {{ as_of }})
-- The AP release gate (docs/marts.md). An assignment is active when start_date <= as-of and
-- (end_date is null or as-of <= end_date). Spectrum rows are read for the configured company
-- only (the BuildOps tenant belongs to it; with none configured, the one the vendor master holds). A compliance row with a blank Job_Number applies to
-- every job. `reasons` is a comma-separated text in the fixed order coi_missing, coi_expired,
-- coverage_below_requirement, w9_missing, lien_waiver_missing ('' when compliant); decisions in
-- models/marts/README.md. coverage_below_requirement: the job's customer requires a COI amount
-- (customer_requirements.csv) and the current COI covers less, or carries no amount.
with company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__vendors), '') as company_code
),

assignments as (
  select
    j.job_number,
    coalesce(bv.accounting_ref_id, a.vendor_accounting_ref_id) as vendor_code,
    min(bv.vendor_name) as buildops_vendor_name
  from staging.stg_buildops__job_subcontractors a
  join staging.stg_buildops__jobs j on j.buildops_job_id = a.buildops_job_id
  left join staging.stg_buildops__vendors bv on bv.buildops_vendor_id = a.buildops_vendor_id
  where j.job_number is not null
    and a.start_date <= {{ as_of }}
    and (a.end_date is null or a.end_date >= {{ as_of }})
    and coalesce(bv.accounting_ref_id, a.vendor_accounting_ref_id) is not null
  group by j.job_number, coalesce(bv.accounting_ref_id, a.vendor_accounting_ref_id)
),

vendors as (
  select vendor_code, vendor_name, w9_on_file
  from staging.stg_spectrum__vendors
  where company_code = (select company_code from company)
),

compliance as (
  select vendor_code, compliance_type, job_number, expiration_date, received_date, coverage_amount
  from staging.stg_spectrum__vendor_compliance
  where company_code = (select company_code from company)
),

-- Per assignment: the documents of its job and the blank-job (all-jobs) ones.
documents as (
  select
    a.job_number,
    a.vendor_code,
    max(case when c.compliance_type = 'COI' then c.expiration_date end) as coi_expires_on,
    max(case when c.compliance_type = 'LIEN_WAIVER' then c.received_date end) as lien_waiver_on
  from assignments a
  join compliance c
    on c.vendor_code = a.vendor_code and (c.job_number is null or c.job_number = a.job_number)
  group by a.job_number, a.vendor_code
),

-- The COI rows that apply to each assignment (its job's, and the blank-job ones), for the
-- current certificate's coverage: the latest expiration, the highest amount among rows expiring then.
coi_documents as (
  select a.job_number, a.vendor_code, c.expiration_date, c.coverage_amount
  from assignments a
  join compliance c on c.vendor_code = a.vendor_code and c.job_number = a.job_number
  where c.compliance_type = 'COI' and c.expiration_date is not null
  union all
  select a.job_number, a.vendor_code, c.expiration_date, c.coverage_amount
  from assignments a
  join compliance c on c.vendor_code = a.vendor_code
  where c.job_number is null and c.compliance_type = 'COI' and c.expiration_date is not null
),

latest_coi as (
  select job_number, vendor_code, max(expiration_date) as expiration_date
  from coi_documents
  group by job_number, vendor_code
),

current_coi as (
  select d.job_number, d.vendor_code, max(d.coverage_amount) as coverage_amount
  from coi_documents d
  join latest_coi l on l.job_number = d.job_number and l.vendor_code = d.vendor_code and l.expiration_date = d.expiration_date
  group by d.job_number, d.vendor_code
),

-- What the job's customer requires of its subs: the Spectrum job's customer, in customer_requirements.csv.
job_requirements as (
  select j.job_number, min(j.customer_code) as customer_code, min(r.minimum_amount) as required_coverage
  from staging.stg_spectrum__jobs j
  join staging.stg_mappings__customer_requirements r on r.customer_code = j.customer_code
  where j.company_code = (select company_code from company) and r.compliance_type = 'COI'
  group by j.job_number
),

-- A W-9 is per vendor, whatever job its row names.
w9_rows as (
  select distinct vendor_code from compliance where compliance_type = 'W9'
),

open_ap as (
  select vendor_code, job_number, sum(open_amount) as open_ap_amount
  from staging.stg_spectrum__vendor_open_items
  where company_code = (select company_code from company) and job_number is not null
  group by vendor_code, job_number
),

measured as (
  select
    a.job_number,
    a.vendor_code,
    coalesce(v.vendor_name, a.buildops_vendor_name) as vendor_name,
    d.coi_expires_on,
    case when v.w9_on_file = 'Y' or w.vendor_code is not null then true else false end as w9_on_file,
    d.lien_waiver_on,
    cast(coalesce(o.open_ap_amount, 0) as decimal(18, 2)) as open_ap_amount,
    case when d.coi_expires_on is null then 1 else 0 end as coi_missing,
    case when d.coi_expires_on < {{ as_of }} then 1 else 0 end as coi_expired,
    case when v.w9_on_file = 'Y' or w.vendor_code is not null then 0 else 1 end as w9_missing,
    case when d.lien_waiver_on is null then 1 else 0 end as lien_waiver_missing,
    jr.customer_code as requiring_customer_code,
    jr.required_coverage,
    cc.coverage_amount,
    case
      when jr.required_coverage is not null and d.coi_expires_on is not null
        and (cc.coverage_amount is null or cc.coverage_amount < jr.required_coverage) then 1
      else 0
    end as coverage_below_requirement
  from assignments a
  left join vendors v on v.vendor_code = a.vendor_code
  left join documents d on d.job_number = a.job_number and d.vendor_code = a.vendor_code
  left join w9_rows w on w.vendor_code = a.vendor_code
  left join open_ap o on o.vendor_code = a.vendor_code and o.job_number = a.job_number
  left join current_coi cc on cc.job_number = a.job_number and cc.vendor_code = a.vendor_code
  left join job_requirements jr on jr.job_number = a.job_number
),

-- Money as the controller reads it ($18,200.00): the runner's money_text macro (portable SQL).
formatted as (
  select
    m.*,
    {{ money_text(m.open_ap_amount) }} as open_ap_text,
    {{ money_text(m.required_coverage) }} as required_coverage_text,
    {{ money_text(m.coverage_amount) }} as coverage_text
  from measured m
),

reasoned as (
  select
    m.*,
    substr(
      case when m.coi_missing = 1 then ', coi_missing' else '' end
      || case when m.coi_expired = 1 then ', coi_expired' else '' end
      || case when m.coverage_below_requirement = 1 then ', coverage_below_requirement' else '' end
      || case when m.w9_missing = 1 then ', w9_missing' else '' end
      || case when m.lien_waiver_missing = 1 then ', lien_waiver_missing' else '' end,
      3
    ) as reasons,
    substr(
      case when m.coi_missing = 1 then ', no COI on file' else '' end
      || case when m.coi_expired = 1 then ', COI expired ' || cast(m.coi_expires_on as varchar) else '' end
      || case
        when m.coverage_below_requirement = 1 and m.coverage_amount is null then ', COI coverage not available (customer '
          || m.requiring_customer_code || ' requires ' || m.required_coverage_text || ')'
        when m.coverage_below_requirement = 1 then ', COI coverage ' || m.coverage_text
          || ' below the ' || m.required_coverage_text || ' customer ' || m.requiring_customer_code || ' requires'
        else ''
      end
      || case when m.w9_missing = 1 then ', no W-9 on file' else '' end
      || case when m.lien_waiver_missing = 1 then ', no lien waiver received' else '' end,
      3
    ) as problems
  from formatted m
)

select
  (select company_code from company) as company_code,
  r.job_number,
  r.vendor_code,
  r.vendor_name,
  r.coi_expires_on,
  r.w9_on_file,
  r.lien_waiver_on,
  r.open_ap_amount,
  r.required_coverage,
  r.coverage_amount,
  case when r.reasons = '' then true else false end as is_compliant,
  r.reasons,
  -- Open AP the compliance gate holds back (0 for a compliant assignment).
  cast(case when r.reasons = '' then 0 else coalesce(r.open_ap_amount, 0) end as decimal(18, 2)) as amount_at_risk,
  case
    when r.reasons = '' then 'Vendor ' || r.vendor_code || ' on job ' || r.job_number || ': compliant — AP may be released'
      || case when r.open_ap_amount <> 0 then ' (' || r.open_ap_text || ' open)' else '' end
    else 'Vendor ' || r.vendor_code || ' on job ' || r.job_number || ': ' || r.problems || ' — hold AP (' || r.open_ap_text || ' open)'
  end as detail
from reasoned r
