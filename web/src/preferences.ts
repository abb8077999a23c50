// Display preferences kept per browser. Large text scales the root font size, and every size in
// styles.css is in rem, so the whole page grows together.
import { ref, watchEffect } from 'vue';

const STORAGE_KEY = 'yiwang.largeText';

function read(): boolean {
  try {
    return localStorage.getItem(STORAGE_KEY) === '1';
  } catch {
    return false;
  }
}

export const isLargeText = ref(read());

export function setLargeText(on: boolean): void {
  isLargeText.value = on;
  try {
    localStorage.setItem(STORAGE_KEY, on ? '1' : '0');
  } catch {
    // Still applied for this page.
  }
}

watchEffect(() => {
  document.documentElement.classList.toggle('large-text', isLargeText.value);
});
