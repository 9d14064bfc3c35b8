import { mount } from 'svelte';
import Options from './Options.svelte';
import '../sidepanel/app.css';

const target = document.getElementById('app');
if (target) mount(Options, { target });
