// Navigation between the app's screens (hash routes).
export function go(path) { location.hash = '#' + path; }
