-- grain: one row per outbound record, failed rule and field (a rule failing on two fields gives two rows)
-- unique: record_type, buildops_id, rule, field
-- not_null: company_code, record_type, buildops_id, rule, field, message, fix
-- Every Spectrum rule the Data Exchange would enforce, checked before sending, on the exact
-- values of marts.writeback_outbound, against Spectrum's live settings as last extracted
-- (processing dates, tax codes, JC and CR installation, cost centers, GL accounts, jobs and
-- phases). The field limits and refused characters come from staging.stg_spectrum__field_limits. A record whose parent is blocked
-- (a phase of a blocked job; an invoice on a blocked job or needing a blocked phase) is blocked
-- too, by rule parent_blocked naming the parent. routing_conflict holds an invoice on a job that
-- Spectrum bills by AIA application or BuildOps progress-bills: a person routes it, so the write-back
-- never creates the double billing marts.billing_duplicates finds after the fact. With daily
-- summary invoices, a blocked service ticket blocks its summary (rule ticket_blocked, naming it).
with run_company as (
  select coalesce(nullif({{ company_code }}, ''), (select min(company_code) from staging.stg_spectrum__jobs)) as company_code
),

outbound as (
  select * from marts.writeback_outbound
),

spectrum_jobs as (
  select job_number, status_code
  from staging.stg_spectrum__jobs
  where company_code = (select company_code from run_company)
),

spectrum_invoice_numbers as (
  -- The invoice numbers Spectrum holds, posted or not, with the Remarks that say whose each is.
  -- One relation, so the duplicate_number rule below is a semi-join on both warehouses (Postgres
  -- runs an EXISTS over a UNION ALL once per invoice).
  select invoice_number, coalesce(remarks, '') as remarks
  from staging.stg_spectrum__invoice_headers
  where company_code = (select company_code from run_company)
  union all
  select invoice_number, coalesce(remarks, '') as remarks
  from staging.stg_spectrum__unposted_invoices
  where company_code = (select company_code from run_company)
),

spectrum_customers as (
  select customer_code
  from staging.stg_spectrum__customers
  where company_code = (select company_code from run_company)
),

active_cost_centers as (
  select cost_center
  from staging.stg_spectrum__cost_centers
  where company_code = (select company_code from run_company) and status = 'A'
),

gl_accounts as (
  select gl_account, is_direct_cost, cost_type
  from staging.stg_spectrum__gl_accounts
  where company_code = (select company_code from run_company)
),

ar_period as (
  select min_date, max_date
  from staging.stg_spectrum__processing_dates
  where company_code = (select company_code from run_company) and module = 'AR'
),

cr_settings as (
  select ar_gl_account, invoice_date_in_gl_period
  from staging.stg_spectrum__ar_settings
  where company_code = (select company_code from run_company)
),

jc_settings as (
  select phase_mask, utilize_tax_classification
  from staging.stg_spectrum__jc_settings
  where company_code = (select company_code from run_company)
),

limits as (
  select * from staging.stg_spectrum__field_limits
),

-- Every checked text value, one row per record and field.
field_values as (
  select record_type, buildops_id, 'Customer_Name' as field, customer_name as value from outbound where record_type = 'job'
  union all select record_type, buildops_id, 'Address_1', address_1 from outbound where record_type = 'job'
  union all select record_type, buildops_id, 'Address_2', address_2 from outbound where record_type = 'job'
  union all select record_type, buildops_id, 'City', city from outbound where record_type = 'job'
  union all select record_type, buildops_id, 'Zip_Code', zip_code from outbound where record_type = 'job'
  union all select record_type, buildops_id, 'Phone', phone from outbound where record_type = 'job'
  union all select record_type, buildops_id, 'Job_Number', job_number from outbound where record_type in ('job', 'invoice')
  union all select record_type, buildops_id, 'Job_Description', job_description from outbound where record_type = 'job'
  union all select record_type, buildops_id, 'Customer_Code', customer_code from outbound where record_type in ('job', 'invoice')
  union all select record_type, buildops_id, 'Cost_Center', cost_center from outbound where record_type in ('job', 'invoice')
  union all select record_type, buildops_id, 'Tax_Class_Code', tax_class_code from outbound where record_type = 'job'
  union all select record_type, buildops_id, 'Phase_Code', phase_code from outbound where record_type = 'phase'
  union all select record_type, buildops_id, 'Cost_Type', cost_type from outbound where record_type = 'phase'
  union all select record_type, buildops_id, 'Description', description from outbound where record_type = 'phase'
  union all select record_type, buildops_id, 'Invoice_Or_Transaction', invoice_number from outbound where record_type = 'invoice'
  union all select record_type, buildops_id, 'Remarks', remarks from outbound where record_type = 'invoice'
  union all select record_type, buildops_id, 'Customer_PO', customer_po from outbound where record_type = 'invoice'
  union all
  select 'invoice', buildops_invoice_id, 'Detail_Description', detail_description
  from (
    -- The longest line description stands for the invoice's lines (one finding per invoice).
    select buildops_invoice_id, detail_description,
      row_number() over (partition by buildops_invoice_id order by length(detail_description) desc, line_number) as pick
    from marts.writeback_outbound_lines
  ) l
  where pick = 1
),

too_long as (
  select
    v.record_type,
    v.buildops_id,
    lim.rule,
    v.field,
    v.value,
    cast(lim.max_length as varchar) as limit_value,
    case
      when lim.rule = 'phone_format'
        then 'Phone has ' || cast(length(v.value) as varchar) || ' digits; Spectrum allows ' || cast(lim.max_length as varchar) || '.'
      else lim.label || ' is ' || cast(length(v.value) as varchar) || ' characters; Spectrum allows ' || cast(lim.max_length as varchar) || '.'
    end as message,
    case
      when lim.rule = 'phone_format' then 'Correct the customer''s phone number in BuildOps (dashes, spaces and brackets are removed before sending).'
      when v.field in ('Customer_Name', 'Address_1', 'Address_2', 'City', 'Zip_Code') then 'Shorten it on the customer in BuildOps.'
      when v.field = 'Phase_Code' then 'Correct the phase code in cost_code_map.csv.'
      else 'Shorten it in BuildOps.'
    end as fix
  from field_values v
  join limits lim on lim.record_type = v.record_type and lim.field = v.field
  where v.value is not null and length(v.value) > lim.max_length
),

bad_characters as (
  -- The refused characters of each field, from the limits table (codes: / * ? " ' > < # , & ~;
  -- the customer name: a comma), listed with spaces for people.
  select
    v.record_type,
    v.buildops_id,
    'invalid_characters' as rule,
    v.field,
    v.value,
    lim.spaced as limit_value,
    lim.label || ' "' || v.value || '" contains a character Spectrum refuses '
      || case when lim.key_field = 1 then 'in codes' else 'in a ' || lower(lim.label) end || ' (' || lim.spaced || ').' as message,
    'Remove the character from the ' || lower(lim.label) || ' in BuildOps.' as fix
  from field_values v
  join (
    select l.*, rtrim(regexp_replace(l.refused_characters, '(.)', '\1 ', 'g')) as spaced
    from limits l
    where l.refused_characters is not null
  ) lim on lim.record_type = v.record_type and lim.field = v.field
  where v.value is not null and length(translate(v.value, lim.refused_characters, '')) < length(v.value)
),

job_rules as (
  select
    o.buildops_id,
    'state_code' as rule,
    'State' as field,
    o.state as value,
    'a 2-letter US postal code' as limit_value,
    'State "' || coalesce(o.state, '') || '" is not a 2-letter US postal code.' as message,
    'Correct the state on the customer''s address in BuildOps.' as fix
  from outbound o
  where o.record_type = 'job'
    and coalesce(o.state, '') not in (
      'AL', 'AK', 'AZ', 'AR', 'CA', 'CO', 'CT', 'DE', 'DC', 'FL', 'GA', 'HI', 'ID', 'IL', 'IN', 'IA', 'KS', 'KY', 'LA', 'ME', 'MD',
      'MA', 'MI', 'MN', 'MS', 'MO', 'MT', 'NE', 'NV', 'NH', 'NJ', 'NM', 'NY', 'NC', 'ND', 'OH', 'OK', 'OR', 'PA', 'RI', 'SC', 'SD',
      'TN', 'TX', 'UT', 'VT', 'VA', 'WA', 'WV', 'WI', 'WY', 'PR'
    )
  union all
  select
    o.buildops_id, 'duplicate_number', 'Job_Number', o.job_number, 'a number not yet used in Spectrum',
    'Job number ' || o.job_number || ' already exists in Spectrum.',
    'Give the job a new number in BuildOps, or mark it synced if it is the same job.'
  from outbound o
  join spectrum_jobs s on s.job_number = o.job_number
  where o.record_type = 'job'
  union all
  select
    o.buildops_id, 'tax_class_invalid',
    case when j.utilize_tax_classification = 'Y' then 'Tax_Class_Code' else 'Sales_Tax_Code' end,
    case when j.utilize_tax_classification = 'Y' then o.tax_class_code else o.sales_tax_code end,
    case when j.utilize_tax_classification = 'Y' then 'an active tax class' else 'an active sales tax code' end,
    case
      when j.utilize_tax_classification = 'Y' then 'Tax class "' || coalesce(o.tax_class_code, '') || '" is not an active tax class in Spectrum.'
      else 'Sales tax code "' || coalesce(o.sales_tax_code, '') || '" is not an active sales tax code in Spectrum.'
    end,
    'Pick a tax rate on the job in BuildOps whose name is an active Spectrum code, or ask accounting to add it.'
  from outbound o
  cross join jc_settings j
  where o.record_type = 'job'
    and not exists (
      select 1 from staging.stg_spectrum__tax_codes t
      where t.company_code = (select company_code from run_company)
        and t.status = 'A'
        and t.kind = case when j.utilize_tax_classification = 'Y' then 'TAX_CLASS' else 'SALES_TAX' end
        and t.code = case when j.utilize_tax_classification = 'Y' then o.tax_class_code else o.sales_tax_code end
    )
),

phase_rules as (
  select
    o.buildops_id,
    'phase_mask' as rule,
    'Phase_Code' as field,
    o.phase_code as value,
    j.phase_mask as limit_value,
    'Phase code ' || o.phase_code || ' does not fit the phase mask ' || j.phase_mask || ' (digits where the mask has 9, stored without dashes).' as message,
    'Correct the phase code of the item in cost_code_map.csv.' as fix
  from outbound o
  cross join jc_settings j
  where o.record_type = 'phase'
    and j.phase_mask is not null
    and (
      length(o.phase_code) <> length(replace(j.phase_mask, '-', ''))
      or length(translate(o.phase_code, '0123456789', '')) > 0
    )
),

invoice_lines as (
  select l.*, o.buildops_job_id, o.job_number, o.parent_record_type
  from marts.writeback_outbound_lines l
  join outbound o on o.record_type = 'invoice' and o.buildops_id = l.buildops_invoice_id
),

invoice_rules as (
  select
    o.buildops_id,
    'negative_amount' as rule,
    'Invoice_Extension' as field,
    cast(o.invoice_total as varchar) as value,
    'more than 0' as limit_value,
    'Invoice total ' || {{ money_text(o.invoice_total) }} || ' is negative; Spectrum takes a negative invoice only as a credit memo.' as message,
    'Issue it as a credit memo in BuildOps, or correct the lines.' as fix
  from outbound o
  where o.record_type = 'invoice' and o.invoice_total < 0
  union all
  select
    o.buildops_id, 'closed_period', 'Invoice_Date', cast(o.invoice_date as varchar),
    cast(p.min_date as varchar) || ' … ' || cast(p.max_date as varchar),
    'Invoice date ' || cast(o.invoice_date as varchar) || ' is '
      || case when o.invoice_date < p.min_date then 'before' else 'after' end
      || ' the open AR period (' || cast(p.min_date as varchar) || ' … ' || cast(p.max_date as varchar) || ').',
    'Change the issue date in BuildOps or ask accounting to open the period.'
  from outbound o
  cross join ar_period p
  where o.record_type = 'invoice' and (o.invoice_date < p.min_date or o.invoice_date > p.max_date)
  union all
  select
    o.buildops_id, 'closed_period', 'GL_Date', cast(o.gl_date as varchar),
    'the fiscal month of the invoice date',
    'GL date ' || cast(o.gl_date as varchar) || ' is not in the fiscal month of invoice date ' || cast(o.invoice_date as varchar) || ' (Spectrum requires it).',
    'Ask accounting which GL period the invoice belongs to, and set the write-back''s GL date policy to match.'
  from outbound o
  cross join cr_settings c
  where o.record_type = 'invoice'
    and c.invoice_date_in_gl_period = 'Y'
    and extract(year from o.gl_date) * 100 + extract(month from o.gl_date) <> extract(year from o.invoice_date) * 100 + extract(month from o.invoice_date)
  union all
  select
    o.buildops_id, 'job_not_in_spectrum', 'Job_Number', o.job_number, 'a job in Spectrum or exported ahead',
    'Job ' || o.job_number || ' is not in Spectrum and is not waiting to be exported.',
    'Export the job from BuildOps first (set it to sync), then retry the invoice.'
  from outbound o
  where o.record_type = 'invoice'
    and o.job_number is not null
    and o.parent_record_type is null
    and not exists (select 1 from spectrum_jobs s where s.job_number = o.job_number)
  union all
  select
    o.buildops_id, 'job_complete', 'Job_Number', o.job_number, 'an open job',
    'Job ' || o.job_number || ' is marked Complete in Spectrum and takes no new invoices.',
    'Ask accounting to reopen the job in Spectrum, or bill the work on another job.'
  from outbound o
  join spectrum_jobs s on s.job_number = o.job_number and s.status_code = 'C'
  where o.record_type = 'invoice' and o.parent_record_type is null
  union all
  select
    o.buildops_id, 'duplicate_number', 'Invoice_Or_Transaction', o.invoice_number, 'a number not yet used in Spectrum',
    'Invoice number ' || o.invoice_number || ' already exists in Spectrum.',
    'Renumber the invoice in BuildOps, or mark it synced if Spectrum''s invoice is this one.'
  from outbound o
  where o.record_type = 'invoice'
    and exists (select 1 from spectrum_invoice_numbers n where n.invoice_number = o.invoice_number and n.remarks <> o.remarks)
  union all
  select
    o.buildops_id, 'routing_conflict', 'Job_Number', o.job_number, 'a job billed by BuildOps invoices only',
    'Job ' || o.job_number || ' is billed by '
      || case when exists (select 1 from staging.stg_spectrum__billing_applications a
                           where a.company_code = (select company_code from run_company) and a.job_number = o.job_number)
              then 'AIA applications in Spectrum' else 'progress billing in BuildOps' end
      || '; sending this invoice too could bill the same work twice.',
    'Decide who bills this work: add it to the next pay application, or bypass the invoice in the outbox with a reason.'
  from outbound o
  left join staging.stg_buildops__jobs j on j.buildops_job_id = o.buildops_job_id
  where o.record_type = 'invoice'
    and (
      coalesce(j.is_progress_billed, false)
      or exists (select 1 from staging.stg_spectrum__billing_applications a
                 where a.company_code = (select company_code from run_company) and a.job_number = o.job_number)
      or exists (select 1 from staging.stg_buildops__pay_applications pa where pa.job_number = o.job_number)
    )
),

line_rules as (
  select
    l.buildops_invoice_id as buildops_id,
    'unmapped_item' as rule,
    'Item_Code' as field,
    min(coalesce(l.item_code, '(no item)')) as value,
    'a row in cost_code_map.csv' as limit_value,
    'Item ' || min(coalesce(l.item_code, '(no item)')) || ' has no phase + cost type in cost_code_map.csv.' as message,
    'Add the item to cost_code_map.csv.' as fix
  from invoice_lines l
  where l.mapped_phase_code is null
  group by l.buildops_invoice_id
  union all
  select
    l.buildops_invoice_id, 'phase_not_on_job', 'Phase_Code', min(l.phase_code || '/' || l.cost_type), 'an active phase on the job',
    'Phase ' || min(l.phase_code || '/' || l.cost_type) || ' is not an active phase of job ' || min(l.job_number) || ' in Spectrum.',
    'Add or reactivate the phase on the job in Spectrum, or correct the item''s row in cost_code_map.csv.'
  from invoice_lines l
  where l.mapped_phase_code is not null
    and l.parent_record_type is null
    and exists (select 1 from spectrum_jobs s where s.job_number = l.job_number)
    and not exists (
      select 1 from staging.stg_spectrum__phases ph
      where ph.company_code = (select company_code from run_company)
        and ph.job_number = l.job_number and ph.phase_code = l.phase_code and ph.cost_type = l.cost_type and ph.status_code = 'A'
    )
  group by l.buildops_invoice_id
  union all
  select
    l.buildops_invoice_id, 'gl_account', 'GL_Account', min(coalesce(l.gl_account, '(none)')), 'an account in GL_MASTER allowing the cost type',
    'Line GL account ' || min(coalesce(l.gl_account, '(none)')) || ' does not exist in Spectrum or does not allow the mapped cost type.',
    'Correct the item''s revenue GL account in the BuildOps pricebook, or its cost type in cost_code_map.csv.'
  from invoice_lines l
  left join gl_accounts g on g.gl_account = l.gl_account
  where g.gl_account is null or (l.mapped_phase_code is not null and g.cost_type is not null and g.cost_type <> l.cost_type)
  group by l.buildops_invoice_id
),

ar_account_rules as (
  select
    o.buildops_id,
    'gl_account' as rule,
    'AR_GL_Account' as field,
    coalesce(o.ar_gl_account, '(none)') as value,
    'an existing receivables account, not direct cost' as limit_value,
    'AR GL account ' || coalesce(o.ar_gl_account, '(none)') || ' does not exist in Spectrum or is a direct-cost account.' as message,
    'Ask accounting to correct the receivables account in Spectrum''s CR installation, or set writeback.ar_gl_account.' as fix
  from outbound o
  left join gl_accounts g on g.gl_account = o.ar_gl_account
  where o.record_type = 'invoice' and (g.gl_account is null or g.is_direct_cost = 'Y')
),

shared_rules as (
  select
    o.record_type,
    o.buildops_id,
    'customer_not_in_spectrum' as rule,
    'Customer_Code' as field,
    o.customer_code as value,
    'a customer in Spectrum' as limit_value,
    case
      when o.customer_code is null then 'The customer has no Spectrum customer code yet.'
      else 'Customer ' || o.customer_code || ' is not in Spectrum.'
    end as message,
    'Customer not synced yet: open it in BuildOps, Edit, Save, then retry.' as fix
  from outbound o
  where o.record_type in ('job', 'invoice')
    and (o.customer_code is null or o.customer_code not in (select customer_code from spectrum_customers))
  union all
  select
    o.record_type, o.buildops_id, 'cost_center_mismatch', 'Cost_Center', o.cost_center, 'the active cost center mapped to the department',
    case
      when o.cost_center is null then 'Department "' || coalesce(o.department_name, '(none)') || '" has no cost center in department_cost_centers.csv.'
      else 'Cost center ' || o.cost_center || ' (department "' || coalesce(o.department_name, '') || '") is not an active cost center in Spectrum.'
    end,
    'Map the department to an active cost center in department_cost_centers.csv, or ask accounting to add it.'
  from outbound o
  where o.record_type in ('job', 'invoice')
    and (o.cost_center is null or o.cost_center not in (select cost_center from active_cost_centers))
),

direct as (
  select record_type, buildops_id, rule, field, value, limit_value, message, fix from too_long
  union all select record_type, buildops_id, rule, field, value, limit_value, message, fix from bad_characters
  union all select 'job', buildops_id, rule, field, value, limit_value, message, fix from job_rules
  union all select 'phase', buildops_id, rule, field, value, limit_value, message, fix from phase_rules
  union all select 'invoice', buildops_id, rule, field, value, limit_value, message, fix from invoice_rules
  union all select 'invoice', buildops_id, rule, field, value, limit_value, message, fix from line_rules
  union all select 'invoice', buildops_id, rule, field, value, limit_value, message, fix from ar_account_rules
  union all select record_type, buildops_id, rule, field, value, limit_value, message, fix from shared_rules
),

blocked as (
  select distinct record_type, buildops_id from direct
),

-- The records each record depends on: a phase on its job; an invoice on its outbound job and on the phases its lines need.
parents as (
  select 'phase' as record_type, buildops_id, 'job' as parent_record_type, parent_buildops_id
  from outbound
  where record_type = 'phase'
  union all
  select 'invoice', buildops_id, 'job', parent_buildops_id
  from outbound
  where record_type = 'invoice' and parent_record_type = 'job'
  union all
  select distinct 'invoice', l.buildops_invoice_id, 'phase', l.buildops_job_id || ':' || l.mapped_phase_code || ':' || l.cost_type
  from invoice_lines l
  where l.parent_record_type = 'job' and l.mapped_phase_code is not null
),

parent_blocked as (
  select
    p.record_type,
    p.buildops_id,
    'parent_blocked' as rule,
    'parent:' || p.parent_record_type || ':' || p.parent_buildops_id as field,
    p.parent_buildops_id as value,
    'the ' || p.parent_record_type || ' is sent first' as limit_value,
    'The ' || p.parent_record_type || ' this ' || p.record_type || ' needs ('
      || case
        when p.parent_record_type = 'job' then 'job ' || coalesce(po.job_number, p.parent_buildops_id)
        else 'phase ' || coalesce(po.phase_code, '') || '/' || coalesce(po.cost_type, '') || ' of job ' || coalesce(po.job_number, '')
      end
      || ') is blocked, so this ' || p.record_type || ' cannot go either.' as message,
    'Fix the ' || p.parent_record_type || '''s own findings first; this record follows it.' as fix
  from parents p
  join blocked b on b.record_type = p.parent_record_type and b.buildops_id = p.parent_buildops_id
  left join outbound po on po.record_type = p.parent_record_type and po.buildops_id = p.parent_buildops_id
),

-- Daily summary invoices: a blocked service ticket blocks the summary it is on, naming it (the
-- summary's own values are checked like any invoice's above).
ticket_rules as (
  select buildops_id, string_agg(rule, ', ' order by rule) as rules
  from (
    select distinct buildops_id, rule from direct where record_type = 'invoice'
    union
    select buildops_id, rule from parent_blocked where record_type = 'invoice'
  ) r
  group by buildops_id
),

ticket_blocked as (
  select
    'invoice' as record_type,
    t.summary_buildops_id as buildops_id,
    'ticket_blocked' as rule,
    'ticket:' || t.buildops_id as field,
    t.invoice_number as value,
    'every ticket on the summary passes' as limit_value,
    'Service ticket ' || coalesce(t.invoice_number, t.buildops_id) || ' on this daily summary is blocked (' || r.rules || '), so the summary cannot go.' as message,
    'Fix the ticket''s own findings first (plumbline push --dry-run lists them); the summary follows it.' as fix
  from outbound t
  join ticket_rules r on r.buildops_id = t.buildops_id
  where t.record_type = 'invoice' and t.summary_buildops_id is not null
)

select (select company_code from run_company) as company_code, d.*
from (
  select record_type, buildops_id, rule, field, value, limit_value, message, fix from direct
  union all
  select record_type, buildops_id, rule, field, value, limit_value, message, fix from parent_blocked
  union all
  select record_type, buildops_id, rule, field, value, limit_value, message, fix from ticket_blocked
) d
