// Admins: accounts (create, role, units, sensitive and personal-data
// grants, disable, reset
// password), phone enrolment with the code's QR, and each account's
// devices (list, revoke).

import { html, useEffect, useState } from '/vendor/preact.js';
import { get, post, patch, del, blob } from './api.js';
import { t } from './i18n.js';
import { ErrorBox, Loading, Notice, useAction, useLoad, Input, Select, Check, when } from './ui.js';

const ROLES = ['collector', 'supervisor', 'designer', 'manager', 'admin'];
const roleOptions = () => ROLES.map((r) => ({ value: r, label: t('roles.' + r) }));
const unitList = (s) => s.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);

export function UsersPage() {
  const users = useLoad(() => get('/api/v1/users').then((b) => b.items), []);
  const [open, setOpen] = useState('');
  return html`<h1>${t('usersTitle')}</h1>
    <${NewUser} onCreated=${(u) => { users.reload(); setOpen(u.id); }} />
    <${Loading} load=${users} />
    ${users.data && html`<div class="table-wrap" tabindex="0"><table data-testid="users">
      <thead><tr><th scope="col">${t('username')}</th><th scope="col">${t('displayName')}</th><th scope="col">${t('role')}</th>
        <th scope="col">${t('units')}</th><th scope="col">${t('sensitive')}</th><th scope="col">${t('personal')}</th><th scope="col">${t('status')}</th><th scope="col">${t('edit')}</th></tr></thead>
      <tbody>${users.data.map((u) => html`<tr data-user=${u.username}>
        <td><code>${u.username}</code></td><td>${u.display_name}</td><td>${t('roles.' + u.role)}</td>
        <td>${u.units.join(', ')}</td><td>${u.sensitive_access ? t('yes') : t('no')}</td><td>${u.personal_access ? t('yes') : t('no')}</td>
        <td>${u.disabled ? t('disabled') : ''}</td>
        <td><button type="button" aria-expanded=${open === u.id} onClick=${() => setOpen(open === u.id ? '' : u.id)}>${t('edit')} <span class="sr">${u.username}</span></button></td>
      </tr>`)}</tbody></table></div>`}
    ${open && users.data && users.data.find((u) => u.id === open) &&
      html`<${UserPanel} key=${open} user=${users.data.find((u) => u.id === open)} onChanged=${users.reload} />`}`;
}

function NewUser({ onCreated }) {
  const blank = { username: '', password: '', display_name: '', role: 'collector', units: '', sensitive_access: false, personal_access: false };
  const [u, setU] = useState(blank);
  const [msg, setMsg] = useState('');
  const act = useAction();
  const set = (k) => (v) => setU((p) => ({ ...p, [k]: v }));
  const submit = (e) => {
    e.preventDefault();
    setMsg('');
    act.run(async () => {
      const created = await post('/api/v1/users', { ...u, units: unitList(u.units) });
      setMsg(t('userCreated', created.username));
      setU(blank);
      onCreated(created);
    });
  };
  return html`<details class="card"><summary><strong>${t('newUser')}</strong></summary>
    <form onSubmit=${submit} data-testid="new-user">
      <div class="row">
        <${Input} label=${t('username')} name="username" value=${u.username} onInput=${set('username')} required autocomplete="off" />
        <${Input} label=${t('password')} name="password" type="password" value=${u.password} onInput=${set('password')} required autocomplete="new-password" />
        <${Input} label=${t('displayName')} name="display_name" value=${u.display_name} onInput=${set('display_name')} />
        <${Select} label=${t('role')} name="role" value=${u.role} onChange=${set('role')} options=${roleOptions()} />
        <${Input} label=${t('units')} name="units" value=${u.units} onInput=${set('units')} />
      </div>
      ${u.role === 'supervisor' && html`<${Check} label=${t('sensitive')} name="sensitive_access" checked=${u.sensitive_access} onChange=${set('sensitive_access')} />`}
      <${Check} label=${t('personal')} name="personal_access" checked=${u.personal_access} onChange=${set('personal_access')} />
      <button type="submit" class="primary" disabled=${act.busy}>${t('create')}</button>
      <${ErrorBox} error=${act.error} /><${Notice} text=${msg} />
    </form>
  </details>`;
}

function UserPanel({ user, onChanged }) {
  const [u, setU] = useState({ display_name: user.display_name, role: user.role, units: user.units.join(', '), sensitive_access: user.sensitive_access, personal_access: user.personal_access });
  const [password, setPassword] = useState('');
  const [msg, setMsg] = useState('');
  const act = useAction();
  const set = (k) => (v) => setU((p) => ({ ...p, [k]: v }));
  const base = `/api/v1/users/${encodeURIComponent(user.id)}`;
  const change = (body) => act.run(async () => {
    await patch(base, body);
    setMsg(t('userSaved'));
    onChanged();
  });
  const save = (e) => {
    e.preventDefault();
    change({ ...u, units: unitList(u.units) });
  };
  return html`<section class="card" aria-labelledby="up-h">
    <h2 id="up-h">${user.display_name || user.username} <code>${user.username}</code></h2>
    <form onSubmit=${save}>
      <div class="row">
        <${Input} label=${t('displayName')} name="edit-display_name" value=${u.display_name} onInput=${set('display_name')} />
        <${Select} label=${t('role')} name="edit-role" value=${u.role} onChange=${set('role')} options=${roleOptions()} />
        <${Input} label=${t('units')} name="edit-units" value=${u.units} onInput=${set('units')} />
      </div>
      ${u.role === 'supervisor' && html`<${Check} label=${t('sensitive')} name="edit-sensitive" checked=${u.sensitive_access} onChange=${set('sensitive_access')} />`}
      <${Check} label=${t('personal')} name="edit-personal" checked=${u.personal_access} onChange=${set('personal_access')} />
      <div class="actions">
        <button type="submit" class="primary" disabled=${act.busy}>${t('save')}</button>
        <button type="button" class="danger" disabled=${act.busy} onClick=${() => change({ disabled: !user.disabled })}>${user.disabled ? t('enable') : t('disable')}</button>
      </div>
    </form>
    <form class="row" onSubmit=${(e) => { e.preventDefault(); change({ password }); setPassword(''); }}>
      <${Input} label=${t('newPassword')} name="new-password" type="password" value=${password} onInput=${setPassword} autocomplete="new-password" />
      <button type="submit" disabled=${act.busy || !password}>${t('resetPassword')}</button>
    </form>
    <${ErrorBox} error=${act.error} /><${Notice} text=${msg} />
    <${Enrol} base=${base} />
    <${Devices} base=${base} />
  </section>`;
}

function Enrol({ base }) {
  const [code, setCode] = useState(null);
  const [qr, setQr] = useState('');
  const act = useAction();
  useEffect(() => () => qr && URL.revokeObjectURL(qr), [qr]);
  const issue = () => act.run(async () => {
    const e = await post(base + '/enrollments');
    const img = await blob(e.qr_png);
    setCode(e);
    setQr(URL.createObjectURL(img));
  });
  return html`<div class="card">
    <button type="button" class="primary" onClick=${issue} disabled=${act.busy}>${t('enrol')}</button>
    <${ErrorBox} error=${act.error} />
    ${code && html`<div class="qr" data-testid="enrolment">
      <p>${t('enrolCode')}: <span class="code" data-testid="enrol-code">${code.code}</span></p>
      <p class="muted">${t('enrolExpires', when(code.expires_at))}</p>
      ${qr && html`<img src=${qr} alt=${t('qrAlt', code.code)} data-testid="enrol-qr" />`}
    </div>`}
  </div>`;
}

function Devices({ base }) {
  const devices = useLoad(() => get(base + '/devices').then((b) => b.items), [base]);
  const act = useAction();
  const revoke = (d) => act.run(async () => {
    await del(`${base}/devices/${encodeURIComponent(d.device_id)}`);
    devices.reload();
  });
  return html`<h3>${t('devices')}</h3>
    <${Loading} load=${devices} /><${ErrorBox} error=${act.error} />
    ${devices.data && (devices.data.length === 0 ? html`<p class="muted">${t('noDevices')}</p>` : html`<table>
      <thead><tr><th scope="col">${t('device')}</th><th scope="col">${t('enrolledAt')}</th><th scope="col">${t('lastSeen')}</th><th scope="col">${t('revoke')}</th></tr></thead>
      <tbody>${devices.data.map((d) => html`<tr><td><code>${d.device_id}</code></td><td>${when(d.enrolled_at)}</td><td>${when(d.last_seen_at)}</td>
        <td><button type="button" class="danger" onClick=${() => revoke(d)}>${t('revoke')} <span class="sr">${d.device_id}</span></button></td></tr>`)}</tbody></table>`)}`;
}
