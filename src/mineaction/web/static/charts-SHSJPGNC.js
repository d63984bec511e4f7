import{a,b,c}from"./chunk-5CSQHACI.js";import"./chunk-2FA3SZES.js";export{b as barChart,a as disposeCharts,c as mountCharts};
