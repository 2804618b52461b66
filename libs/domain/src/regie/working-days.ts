import Holidays from 'date-holidays';

const nl = new Holidays('NL');

/** A Dutch working day: Monday to Friday and not a public holiday (date-holidays, type 'public'). */
export function isWorkingDay(isoDate: string): boolean {
  const date = new Date(`${isoDate}T12:00:00Z`);
  const weekday = date.getUTCDay();
  if (weekday === 0 || weekday === 6) return false;
  const holidays = nl.isHoliday(date);
  return !(holidays && holidays.some((h) => h.type === 'public'));
}

/** The first working day after the (Amsterdam) calendar day of `moment`, as YYYY-MM-DD. */
export function nextWorkingDay(moment: string): string {
  let day = amsterdamDate(moment);
  do {
    day = addDays(day, 1);
  } while (!isWorkingDay(day));
  return day;
}

export function amsterdamDate(moment: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(moment));
}

export function addDays(isoDate: string, days: number): string {
  const date = new Date(`${isoDate}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + days);
  return date.toISOString().slice(0, 10);
}

/** The end of an Amsterdam calendar day (23:59:59.999 local) as an ISO instant. */
export function endOfAmsterdamDay(isoDate: string): string {
  const noonUtc = new Date(`${isoDate}T12:00:00Z`);
  const hourThere = Number(new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Amsterdam', hour: '2-digit', hour12: false }).format(noonUtc));
  const offsetHours = hourThere - 12;
  return new Date(Date.parse(`${isoDate}T23:59:59.999Z`) - offsetHours * 3_600_000).toISOString();
}
