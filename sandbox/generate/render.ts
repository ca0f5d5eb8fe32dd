// BuildOps' view of the simulation: records exactly as the API returns them in `items`.

import { epochSeconds, isoDay, isoInstant } from './calendar.ts';
import type { Application, Customer, Invoice, Job, Timesheet } from './model.ts';
import { dollars } from './money.ts';
import type { Random } from './random.ts';
import type { BuildOpsDoc } from './sink.ts';
import { subtotal, total } from './simulate-job.ts';

/** BuildOps' audit block: ISO created/updated instants and the updated instant in epoch ms. */
export function audit(random: Random, createdDay: number, updatedDay: number): BuildOpsDoc['audit'] & Record<string, unknown> {
  const created = epochSeconds(createdDay, random.int(15 * 3600, 22 * 3600));
  const updated = Math.max(created, epochSeconds(updatedDay, random.int(15 * 3600, 22 * 3600)));
  return {
    createdDate: isoInstant(created),
    lastUpdatedDate: isoInstant(updated),
    lastUpdatedDateTime: updated * 1000,
    createdBy: 'sync@contractor.example',
    lastUpdatedBy: 'sync@contractor.example',
  };
}

/** The BuildOps customer record. */
export function customerDoc(c: Customer, random: Random, asOf: number): BuildOpsDoc {
  return {
    id: c.id,
    customerNumber: c.number,
    name: c.name,
    status: 'active',
    isActive: true,
    phonePrimary: c.phone,
    addresses: [
      {
        addressType: 'billingAddress',
        addressLine1: c.address1,
        addressLine2: c.address2,
        city: c.city,
        state: c.state,
        zipcode: c.zip,
      },
      {
        addressType: 'businessAddress',
        addressLine1: c.address1,
        addressLine2: c.address2,
        city: c.city,
        state: c.state,
        zipcode: c.zip,
      },
    ],
    accountingRefId: c.code,
    audit: audit(random, c.createdDay, Math.min(asOf, c.createdDay + random.int(0, 400))),
    version: random.int(1, 9),
  };
}

/** The BuildOps job record. */
export function jobDoc(job: Job, random: Random, asOf: number): BuildOpsDoc {
  return {
    id: job.id,
    jobNumber: job.number,
    jobTypeName: job.kind === 'service' ? 'Service' : 'Project',
    status: job.status,
    customerId: job.customer.id,
    billingCustomerId: job.customer.id,
    customerPropertyId: job.customer.propertyId,
    departments: [{ id: job.department.id, name: job.department.name }],
    projectId: job.projectId,
    taxRateName: job.taxCode,
    isProgressBilled: job.kind !== 'service',
    assignedSubcontractors: job.assignments.map((a) => ({
      vendorId: a.vendor.id,
      vendorAccountingRefId: a.vendor.code,
      startDate: isoDay(a.startDay),
      endDate: a.endDay === null ? null : isoDay(a.endDay),
    })),
    accountingRefId: job.syncStatus === 'Synced' ? job.number : '',
    syncStatus: job.syncStatus,
    name: job.name,
    audit: audit(random, job.createdDay, Math.min(asOf, Math.max(job.createdDay, job.endDay))),
    version: random.int(1, 12),
  };
}

/** The BuildOps invoice record. */
export function invoiceDoc(inv: Invoice, random: Random, asOf: number): BuildOpsDoc {
  const job = inv.job;
  const synced = inv.syncStatus !== 'NotSynced';
  const updatedDay = Math.min(asOf, Math.max(inv.issuedDay, ...inv.payments.filter((p) => p.inBuildOps).map((p) => p.day)));
  const timeOfDay = inv.issuedEpoch - inv.issuedDay * 86_400;
  return {
    id: inv.id,
    invoiceNumber: inv.number,
    status: inv.status,
    customerId: job.customer.id,
    billingCustomerId: job.customer.id,
    customerPropertyId: job.customer.propertyId,
    jobId: job.id,
    jobNumber: job.number,
    projectId: job.projectId,
    departmentName: inv.departmentName,
    issuedDate: String(inv.issuedEpoch),
    dueDate: String(epochSeconds(inv.dueDay, timeOfDay)),
    paymentTermName: 'Net 30',
    subtotal: dollars(subtotal(inv)),
    taxAmount: dollars(inv.taxCents),
    salesTaxRate: job.kind === 'service' ? job.taxBp / 100 : 0,
    totalAmount: dollars(total(inv)),
    retainageAmount: dollars(inv.retentionCents),
    retainagePercent: job.retainageBp > 0 ? job.retainageBp / 100 : null,
    customerProvidedPONumber: inv.customerPO,
    invoiceItems: inv.lines.map((l) => ({
      id: l.id,
      lineItemType: l.lineItemType,
      productId: l.product.id,
      itemCode: l.product.code,
      name: l.product.name,
      description: l.description,
      quantity: l.quantity,
      unitPrice: dollars(l.unitPriceCents),
      amount: dollars(l.amountCents),
      taxable: l.taxable,
    })),
    payments: inv.payments
      .filter((p) => p.inBuildOps)
      .map((p) => ({
        paymentId: p.id,
        appliedAmount: dollars(p.amountCents),
        appliedDate: isoDay(p.day),
      })),
    accountingRefId: synced ? inv.spectrumNumber : '',
    syncStatus: inv.syncStatus,
    syncError: null,
    audit: audit(random, inv.issuedDay, updatedDay),
    version: inv.version,
  };
}

/** The BuildOps payment records (imported from Spectrum) of an invoice. */
export function paymentDocs(inv: Invoice, random: Random): BuildOpsDoc[] {
  return inv.payments
    .filter((p) => p.inBuildOps)
    .map((p) => ({
      id: p.id,
      paymentNumber: p.checkNumber,
      customerId: inv.job.customer.id,
      paymentDate: isoDay(p.day),
      amount: dollars(p.amountCents),
      paymentType: p.retention ? 'Retention Release' : 'Check',
      applications: [{ invoiceId: inv.id, appliedAmount: dollars(p.amountCents) }],
      accountingRefId: p.checkNumber,
      audit: audit(random, p.day, p.day),
      version: 1,
    }));
}

/** The BuildOps project record of a project job. */
export function projectDoc(job: Job, random: Random, asOf: number): BuildOpsDoc {
  return {
    id: job.projectId!,
    projectNumber: job.number,
    name: job.name,
    jobId: job.id,
    sourceJobId: job.sourceJobId ?? null,
    contractAmount: dollars(job.contractCents),
    retainagePercent: job.retainageBp / 100,
    status: job.status === 'Complete' ? 'Complete' : 'Active',
    audit: audit(random, job.createdDay, Math.min(asOf, job.endDay)),
    version: random.int(1, 5),
  };
}

/** A BuildOps pay application record. */
export function payApplicationDoc(job: Job, app: Application, random: Random): BuildOpsDoc {
  return {
    id: app.id,
    projectId: job.projectId,
    jobNumber: job.number,
    applicationNumber: app.number,
    periodFrom: isoDay(app.periodFrom),
    periodTo: isoDay(app.periodEnd),
    status: app.status,
    lines: app.lines.map((l) => ({
      itemNumber: l.itemNumber,
      description: l.description,
      scheduledValue: dollars(l.scheduledCents),
      previousCompleted: dollars(l.previousCents),
      thisPeriod: dollars(l.thisPeriodCents),
      materialsStored: dollars(l.storedCents),
      completedToDate: dollars(l.completedCents),
      retainageAmount: dollars(l.retentionCents),
    })),
    audit: audit(random, app.periodEnd, app.periodEnd + 2),
    version: random.int(1, 4),
  };
}

/** A BuildOps timesheet record. */
export function timesheetDoc(ts: Timesheet, random: Random): BuildOpsDoc {
  return {
    id: ts.id,
    employeeId: ts.employee.id,
    jobId: ts.job.id,
    jobNumber: ts.job.number,
    workDate: isoDay(ts.day),
    hours: ts.hours,
    productId: ts.product.id,
    approvedStatus: ts.approved ? 'Approved' : 'Pending',
    audit: audit(random, ts.day, ts.day),
    version: 1,
  };
}
