<!DOCTYPE html><html><body><table>
<tr><th>Alias</th><th>Subject</th><th>Expiration</th></tr>
<tr><td>digicertglobalrootg2</td><td>CN=DigiCert Global Root G2, OU=www.digicert.com, O=DigiCert Inc, C=US</td><td>Jan 15, 2038</td></tr>
<tr><td>globalsignr3</td><td>CN=GlobalSign, O=GlobalSign</td><td>2029-03-18</td></tr>
<tr><td>netlock</td><td>CN=NetLock Arany (Class Gold) F&#337;tan&uacute;s&iacute;tv&aacute;ny, O=NetLock Kft., C=HU</td><td>Dec 6, 2028</td></tr>
</table></body></html>
