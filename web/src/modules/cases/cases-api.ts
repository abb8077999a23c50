// Calls and shapes of the cases API (/api/cases) as the workbench pages use them. The server's
// schemas (src/modules/cases/cases.schemas.ts) are the truth; these types repeat the fields read here.
import { ApiError, request } from '../../api.ts';
import { t } from '../../i18n.ts';

export type CaseState =
  | 'draft'
  | 'submitted'
  | 'pre_review'
  | 'correcting'
  | 'not_accepted'
  | 'waiting'
  | 'in_review'
  | 'suspended'
  | 'decided'
  | 'completed'
  | 'delivered'
  | 'withdrawn'
  | 'terminated';

export type CaseAction =
  | 'submit'
  | 'pre_review'
  | 'request_correction'
  | 'resubmit'
  | 'accept'
  | 'accept_deferred'
  | 'deem_accepted'
  | 'refuse_acceptance'
  | 'start'
  | 'pass_step'
  | 'return_step'
  | 'suspend'
  | 'resume'
  | 'extend'
  | 'decide'
  | 'complete'
  | 'deliver'
  | 'withdraw'
  | 'terminate';

export type Channel = 'online' | 'window' | 'mail';
export type WarningLevel = 'none' | 'green' | 'yellow' | 'red' | 'paused';
export type FormValues = Record<string, string | number>;

export interface Applicant {
  type: 'person' | 'organisation';
  name: string;
  idType?: 'id_card' | 'uscc' | 'passport' | 'other';
  idNumber?: string;
  phone?: string;
}

export interface MaterialFile {
  id: string;
  source: string;
  fileName: string | null;
  sha256: string | null;
  size: number | null;
  mediaType: string | null;
  reference: string | null;
  reusedFrom: string | null;
  addedAt: string;
}

export interface MaterialStatus {
  key: string;
  name: string;
  isRequired: boolean;
  condition: string | null;
  isDeferrable: boolean;
  sourceKind: 'applicant' | 'licence' | 'shared_data' | 'item_result';
  reference: string | null;
  isSatisfied: boolean;
  isDeferred: boolean;
  files: MaterialFile[];
}

export interface CaseSummary {
  id: string;
  number: string | null;
  kind: 'single' | 'bundle' | 'bundle_item';
  parentId: string | null;
  channel: Channel;
  state: CaseState;
  stateLabel: string;
  title: string;
  itemCode: string | null;
  bundleCode: string | null;
  handlingUnitCode: string;
  receivingUnitCode: string;
  submittedAt: string | null;
  acceptedOn: string | null;
  promisedDueOn: string | null;
  legalDueOn: string | null;
  warningLevel: WarningLevel;
  isOverdue: boolean;
  currentStep: number | null;
  updatedAt: string;
}

export interface Deadlines {
  legalDueOn: string | null;
  promisedDueOn: string | null;
  deliveryDueOn: string | null;
  remainingWorkingDays: number | null;
  warningLevel: WarningLevel;
  isOverdue: boolean;
  isLegalOverdue: boolean;
  extensionDays: number;
  explanation: string[];
  clockStops: { id: string; procedureCode: string; procedureName: string; reason: string; startedOn: string; endedOn: string | null; outcome: string | null }[];
}

export interface TimelineEvent {
  action: string;
  label: string;
  fromState: string | null;
  toState: string;
  stepKey: string | null;
  actor: string | null;
  data: Record<string, unknown>;
  at: string;
}

export interface CaseView extends Omit<CaseSummary, 'promisedDueOn' | 'legalDueOn' | 'warningLevel' | 'isOverdue'> {
  itemVersionId: string | null;
  bundleVersionId: string | null;
  chosenItems: string[];
  dependsOn: string[];
  applicant: { accountId: string | null; type: string; name: string; idType: string | null; idNumber: string | null; phone: string | null };
  form: FormValues;
  mailTracking: string | null;
  createdAt: string;
  receivedAt: string | null;
  acceptedAt: string | null;
  isDeemedAccepted: boolean;
  correctionNoticeDueOn: string | null;
  correctionSentAt: string | null;
  deferredMaterials: string[];
  commitmentDueOn: string | null;
  isCommitmentOverdue: boolean;
  deadlines: Deadlines;
  steps: { key: string; name: string; role: string; status: 'done' | 'current' | 'pending' | string }[];
  decision: string | null;
  decidedOn: string | null;
  result: Record<string, unknown> | null;
  completedOn: string | null;
  deliveryMethod: string | null;
  delivery: Record<string, unknown> | null;
  closedReason: string | null;
  materials: MaterialStatus[];
  children: { id: string; number: string | null; itemCode: string | null; title: string; state: CaseState; stateLabel: string; handlingUnitCode: string; promisedDueOn: string | null; decision: string | null }[];
  timeline: TimelineEvent[];
  availableActions: CaseAction[];
}

export interface ReusableMaterial {
  id: string;
  key: string;
  name: string;
  fileName: string | null;
  sha256: string;
  size: number;
  mediaType: string;
  caseNumber: string | null;
  addedAt: string;
}

export interface Notice {
  id: string;
  caseId: string | null;
  caseNumber: string | null;
  kind: string;
  title: string;
  body: string;
  createdAt: string;
  readAt: string | null;
}

export interface CreateCaseBody {
  itemCode?: string;
  bundleCode?: string;
  optionalItems?: string[];
  channel: Channel;
  applicant?: Applicant;
  form?: FormValues;
  mailTracking?: string;
}

export type Queue = 'mine' | 'intake' | 'review' | 'all';

const idem = (key: string) => ({ 'Idempotency-Key': key });
const post = <T>(path: string, body: unknown = {}) => request<T>('POST', path, body);
const id = encodeURIComponent;

/** request() with extra headers (Idempotency-Key): the shared helper sends only JSON and CSRF. */
async function withHeaders<T>(method: string, path: string, body: unknown, headers: Record<string, string>): Promise<T> {
  const csrf = await csrfToken();
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: { Accept: 'application/json', 'Content-Type': 'application/json', 'X-CSRF-Token': csrf, ...headers },
      body: JSON.stringify(body),
    });
  } catch {
    throw new ApiError('NETWORK_ERROR', t('error.network'), 0);
  }
  const data = (await res.json().catch(() => undefined)) as { code?: string; message?: string; details?: unknown } | undefined;
  if (res.ok && data !== undefined) return data as T;
  if (data && typeof data.code === 'string' && typeof data.message === 'string') throw new ApiError(data.code, data.message, res.status, data.details);
  throw new ApiError(`HTTP_${res.status}`, t('error.unexpected', { status: res.status }), res.status);
}

/** The session's CSRF token, for the calls that cannot go through request() (raw uploads, extra headers). */
async function csrfToken(): Promise<string> {
  return (await request<{ csrfToken: string }>('GET', '/api/auth/me')).csrfToken;
}

export interface UploadHandle {
  promise: Promise<MaterialFile>;
  abort(): void;
}

/** Uploads one file as the raw body, reporting progress (fetch cannot report upload progress). */
export function uploadFile(caseId: string, key: string, file: File, onProgress: (fraction: number) => void): UploadHandle {
  const xhr = new XMLHttpRequest();
  const promise = csrfToken().then(
    (csrf) =>
      new Promise<MaterialFile>((resolve, reject) => {
        xhr.open('POST', `/api/cases/${id(caseId)}/materials/${id(key)}/files`);
        xhr.setRequestHeader('Content-Type', file.type || 'application/octet-stream');
        xhr.setRequestHeader('X-File-Name', encodeURIComponent(file.name));
        xhr.setRequestHeader('X-CSRF-Token', csrf);
        xhr.setRequestHeader('Accept', 'application/json');
        xhr.upload.onprogress = (e) => {
          if (e.lengthComputable) onProgress(e.loaded / e.total);
        };
        xhr.onerror = () => reject(new ApiError('NETWORK_ERROR', t('error.network'), 0));
        xhr.onabort = () => reject(new ApiError('UPLOAD_ABORTED', t('cases.upload.aborted'), 0));
        xhr.onload = () => {
          let data: { code?: string; message?: string; details?: unknown } | undefined;
          try {
            data = JSON.parse(xhr.responseText);
          } catch {
            data = undefined;
          }
          if (xhr.status === 201 && data) return resolve(data as unknown as MaterialFile);
          if (xhr.status === 413) return reject(new ApiError('FILE_TOO_LARGE', data?.message ?? t('cases.upload.tooLarge'), 413));
          if (data && typeof data.code === 'string' && typeof data.message === 'string') return reject(new ApiError(data.code, data.message, xhr.status, data.details));
          reject(new ApiError(`HTTP_${xhr.status}`, t('error.unexpected', { status: xhr.status }), xhr.status));
        };
        xhr.send(file);
      }),
  );
  return { promise, abort: () => xhr.abort() };
}

export const casesApi = {
  create: (body: CreateCaseBody, key: string) => withHeaders<CaseView>('POST', '/api/cases', body, idem(key)),
  list: (query: { queue?: Queue; state?: CaseState; q?: string; limit?: number }) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') params.set(k, String(v));
    return request<{ total: number; items: CaseSummary[] }>('GET', `/api/cases?${params}`);
  },
  get: (caseId: string) => request<CaseView>('GET', `/api/cases/${id(caseId)}`),
  saveDraft: (caseId: string, body: { form?: FormValues; applicant?: Applicant; optionalItems?: string[]; mailTracking?: string }) =>
    request<CaseView>('PATCH', `/api/cases/${id(caseId)}`, body),
  discard: (caseId: string) => request<void>('DELETE', `/api/cases/${id(caseId)}`),
  reuse: (caseId: string, key: string, materialId: string) => post<MaterialFile>(`/api/cases/${id(caseId)}/materials/${id(key)}`, { source: 'reuse', materialId }),
  paper: (caseId: string, key: string, note: string) => post<MaterialFile>(`/api/cases/${id(caseId)}/materials/${id(key)}`, { source: 'paper', note }),
  removeMaterial: (caseId: string, materialId: string) => request<void>('DELETE', `/api/cases/${id(caseId)}/materials/${id(materialId)}`),
  fileUrl: (caseId: string, materialId: string) => `/api/cases/${id(caseId)}/materials/${id(materialId)}/file`,
  reusable: (key: string, caseId?: string) =>
    request<{ items: ReusableMaterial[] }>('GET', `/api/cases/reusable-materials?${new URLSearchParams({ key, ...(caseId ? { caseId } : {}) })}`),
  /** The key is derived from the case, so every retry of a submission is the same submission. */
  submit: (caseId: string) => withHeaders<CaseView>('POST', `/api/cases/${id(caseId)}/submit`, {}, idem(`submit-${caseId}`)),
  inbox: () => request<{ items: Notice[] }>('GET', '/api/cases/inbox'),
  markRead: (noticeId: string) => post<void>(`/api/cases/inbox/${id(noticeId)}/read`),

  preReview: (c: string) => post<CaseView>(`/api/cases/${id(c)}/pre-review`),
  requestCorrection: (c: string, body: { items: { materialKey?: string; note: string }[]; note?: string }) => post<CaseView>(`/api/cases/${id(c)}/correction`, body),
  resubmit: (c: string) => post<CaseView>(`/api/cases/${id(c)}/resubmit`),
  accept: (c: string) => post<CaseView>(`/api/cases/${id(c)}/accept`),
  acceptDeferred: (c: string, body: { materials: string[]; commitmentDueOn: string; commitment: string }) => post<CaseView>(`/api/cases/${id(c)}/accept-deferred`, body),
  refuse: (c: string, body: { reasons: string[]; remedies?: string }) => post<CaseView>(`/api/cases/${id(c)}/refuse`, body),
  passStep: (c: string, opinion: string) => post<CaseView>(`/api/cases/${id(c)}/steps/pass`, { opinion }),
  returnStep: (c: string, opinion: string) => post<CaseView>(`/api/cases/${id(c)}/steps/return`, { opinion }),
  suspend: (c: string, body: { procedureCode: string; procedureName: string; reason: string }) => post<CaseView>(`/api/cases/${id(c)}/suspend`, body),
  resume: (c: string, outcome: string) => post<CaseView>(`/api/cases/${id(c)}/resume`, { outcome }),
  extend: (c: string, body: { days: number; reason: string; approvedBy: string }) => post<CaseView>(`/api/cases/${id(c)}/extend`, body),
  decide: (c: string, body: { decision: 'granted' | 'refused'; reasons?: string[]; summary?: string }) => post<CaseView>(`/api/cases/${id(c)}/decide`, body),
  complete: (c: string, result: { summary?: string; licenceName?: string; licenceNumber?: string }) => post<CaseView>(`/api/cases/${id(c)}/complete`, { result }),
  deliver: (c: string, body: { method: 'window' | 'post' | 'e_licence'; trackingNumber?: string; licenceNumber?: string; recipient?: string }) =>
    post<CaseView>(`/api/cases/${id(c)}/deliver`, body),
  withdraw: (c: string, reason?: string) => post<CaseView>(`/api/cases/${id(c)}/withdraw`, reason ? { reason } : {}),
  terminate: (c: string, reason: string) => post<CaseView>(`/api/cases/${id(c)}/terminate`, { reason }),
};

/** A new random key for one creation attempt (kept while the page retries it). */
export function newKey(prefix: string): string {
  // getRandomValues works on plain-http intranet hosts too, where randomUUID() does not exist.
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `${prefix}-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}
